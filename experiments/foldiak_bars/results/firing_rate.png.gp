set terminal pngcairo size 1100,600 noenhanced font 'sans,11'
set output "firing_rate.png"
set title "Firing rate of the binary code (target p = 0.125)"
set xlabel "presentations"
set ylabel "mean firing rate"
set grid
set key outside right
set key outside right
plot "firing_rate.png.dat" index 0 using 1:2 with linespoints title "bars/foldiak", "firing_rate.png.dat" index 1 using 1:2 with linespoints title "bars/seed_notebook_rule", "firing_rate.png.dat" index 2 using 1:2 with linespoints title "bars/foldiak+one_pass", "firing_rate.png.dat" index 3 using 1:2 with linespoints title "bars/foldiak+notebook_slope", "firing_rate.png.dat" index 4 using 1:2 with linespoints title "bars/foldiak+notebook_lateral", "firing_rate.png.dat" index 5 using 1:2 with linespoints title "bars/foldiak+continuous_output", "firing_rate.png.dat" index 6 using 1:2 with linespoints title "bars/notebook+settling", "firing_rate.png.dat" index 7 using 1:2 with linespoints title "bars/notebook+foldiak_slope", "firing_rate.png.dat" index 8 using 1:2 with linespoints title "bars/notebook+foldiak_lateral", "firing_rate.png.dat" index 9 using 1:2 with linespoints title "bars/notebook+binary_output", "firing_rate.png.dat" index 10 using 1:2 with lines dt 2 title "target p"
