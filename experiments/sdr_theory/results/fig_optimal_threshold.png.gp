set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig_optimal_threshold.png"
set title "False positives against the NMDA threshold over the grid of n, a/n, s"
set xlabel "synapses needed for a dendritic spike theta"
set ylabel "probability of a false positive"
set grid
set key outside right
set logscale y
set format y '%.0e'
plot "fig_optimal_threshold.png.dat" index 0 using 1:2 with linespoints pt 7 lw 2 lc 1 title "median", "fig_optimal_threshold.png.dat" index 1 using 1:2 with linespoints pt 5 lw 2 lc 2 title "mean", "fig_optimal_threshold.png.dat" index 2 using 1:2 with lines dt 2 lc 0 title "1e-09"
