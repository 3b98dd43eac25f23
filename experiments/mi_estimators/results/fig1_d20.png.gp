set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig1_d20.png"
set title "Gaussian, d = 20, N = 5000 (MINE Fig. 1)"
set xlabel "correlation rho"
set ylabel "I(X;Y) [nats]"
set grid
set key outside right
set key left top
plot "fig1_d20.png.dat" index 0 using 1:2 with lines title "truth", "fig1_d20.png.dat" index 1 using 1:2 with linespoints title "KSG (k=3)", "fig1_d20.png.dat" index 2 using 1:2 with linespoints title "GCMI", "fig1_d20.png.dat" index 3 using 1:2 with linespoints title "MINE"
