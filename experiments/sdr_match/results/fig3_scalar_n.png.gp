set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig3_scalar_n.png"
set title "Scalar sparse vectors: match frequency vs n (k_w=32)"
set xlabel "dimensionality n"
set ylabel "frequency of matches"
set grid
set key outside right
set logscale y
set format y '%.0e'
plot "fig3_scalar_n.png.dat" index 0 using 1:2 with linespoints title "a=64", "fig3_scalar_n.png.dat" index 1 using 1:2 with linespoints title "a=128", "fig3_scalar_n.png.dat" index 2 using 1:2 with linespoints title "a=256", "fig3_scalar_n.png.dat" index 3 using 1:2 with linespoints title "a=n/2"
