set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "ksg_vs_n.png"
set title "KSG on a 2-D Gaussian, rho = 0.60 (I = 0.2231 nats)"
set xlabel "N"
set ylabel "nats"
set grid
set key outside right
set logscale x
plot "ksg_vs_n.png.dat" index 0 using 1:2 with linespoints title "KSG alg. 1 bias", "ksg_vs_n.png.dat" index 1 using 1:2 with linespoints title "KSG alg. 2 bias", "ksg_vs_n.png.dat" index 2 using 1:2 with linespoints title "KSG alg. 1 std"
