set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig3_scalar_scale.png"
set title "Scalar sparse vectors: effect of input scale (n=1000, k_w=32)"
set xlabel "input scale s"
set ylabel "frequency of matches"
set grid
set key outside right
set logscale y
set format y '%.0e'
plot "fig3_scalar_scale.png.dat" index 0 using 1:2 with linespoints title "a=64", "fig3_scalar_scale.png.dat" index 1 using 1:2 with linespoints title "a=128", "fig3_scalar_scale.png.dat" index 2 using 1:2 with linespoints title "a=256"
