set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig_effect_of_s.png"
set title "False positives against the number of synapses (theta = s/2)"
set xlabel "number of synapses on the segment s"
set ylabel "probability of a false positive"
set grid
set key outside right
set logscale y
set format y '%.0e'
plot "fig_effect_of_s.png.dat" index 0 using 1:2 with linespoints pt 7 lw 2 lc 1 title "a=32, n=2000", "fig_effect_of_s.png.dat" index 1 using 1:2 with linespoints pt 7 lw 2 lc 2 title "a=32, n=4000", "fig_effect_of_s.png.dat" index 2 using 1:2 with linespoints pt 7 lw 2 lc 3 title "a=512, n=16000", "fig_effect_of_s.png.dat" index 3 using 1:2 with linespoints pt 7 lw 2 lc 4 title "a=4000, n=16000"
