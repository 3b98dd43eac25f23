set terminal pngcairo size 1100,600 noenhanced font 'sans,11'
set output "distinct_bars.png"
set title "Bars with a unit of their own (of 16), mean over 10 seeds"
set xlabel "presentations"
set ylabel "distinct bars coded"
set grid
set key outside right
set key outside right
plot "distinct_bars.png.dat" index 0 using 1:2 with linespoints title "bars/foldiak", "distinct_bars.png.dat" index 1 using 1:2 with linespoints title "bars/seed_notebook_rule", "distinct_bars.png.dat" index 2 using 1:2 with linespoints title "bars/foldiak+one_pass", "distinct_bars.png.dat" index 3 using 1:2 with linespoints title "bars/foldiak+notebook_slope", "distinct_bars.png.dat" index 4 using 1:2 with linespoints title "bars/foldiak+notebook_lateral", "distinct_bars.png.dat" index 5 using 1:2 with linespoints title "bars/foldiak+continuous_output", "distinct_bars.png.dat" index 6 using 1:2 with linespoints title "bars/notebook+settling", "distinct_bars.png.dat" index 7 using 1:2 with linespoints title "bars/notebook+foldiak_slope", "distinct_bars.png.dat" index 8 using 1:2 with linespoints title "bars/notebook+foldiak_lateral", "distinct_bars.png.dat" index 9 using 1:2 with linespoints title "bars/notebook+binary_output"
