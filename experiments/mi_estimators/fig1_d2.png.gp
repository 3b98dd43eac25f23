set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "/work/main/experiments/mi_estimators/fig1_d2.png"
set title "Gaussian, d = 2, N = 5000 (MINE Fig. 1)"
set xlabel "correlation rho"
set ylabel "I(X;Y) [nats]"
set grid
set key outside right
set key left top
plot "/work/main/experiments/mi_estimators/fig1_d2.png.dat" index 0 using 1:2 with lines title "truth", "/work/main/experiments/mi_estimators/fig1_d2.png.dat" index 1 using 1:2 with linespoints title "KSG (k=3)", "/work/main/experiments/mi_estimators/fig1_d2.png.dat" index 2 using 1:2 with linespoints title "GCMI", "/work/main/experiments/mi_estimators/fig1_d2.png.dat" index 3 using 1:2 with linespoints title "MINE"
