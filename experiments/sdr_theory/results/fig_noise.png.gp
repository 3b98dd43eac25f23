set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig_noise.png"
set title "False negatives against noise (a=128, s=30)"
set xlabel "noise: fraction of the a active cells replaced"
set ylabel "probability of a false negative"
set grid
set key outside right
set logscale y
set format y '%.0e'
set key left top
plot "fig_noise.png.dat" index 0 using 1:2 with lines lw 2 lc 1 title "theta=8 exact", "fig_noise.png.dat" index 1 using 1:2 with points pt 7 ps 0.8 lc 1 title "theta=8 observed", "fig_noise.png.dat" index 2 using 1:2 with lines lw 2 lc 2 title "theta=12 exact", "fig_noise.png.dat" index 3 using 1:2 with points pt 7 ps 0.8 lc 2 title "theta=12 observed", "fig_noise.png.dat" index 4 using 1:2 with lines lw 2 lc 3 title "theta=16 exact", "fig_noise.png.dat" index 5 using 1:2 with points pt 7 ps 0.8 lc 3 title "theta=16 observed"
