set terminal pngcairo size 1100,600 noenhanced font 'sans,11'
set output "information.png"
set title "Information the binary code keeps about the bar pattern"
set xlabel "presentations"
set ylabel "I(code; pattern) / H(pattern)"
set grid
set key outside right
set key outside right
plot "information.png.dat" index 0 using 1:2 with linespoints title "bars/foldiak", "information.png.dat" index 1 using 1:2 with linespoints title "bars/seed_notebook_rule", "information.png.dat" index 2 using 1:2 with linespoints title "bars/foldiak+one_pass", "information.png.dat" index 3 using 1:2 with linespoints title "bars/foldiak+notebook_slope", "information.png.dat" index 4 using 1:2 with linespoints title "bars/foldiak+notebook_lateral", "information.png.dat" index 5 using 1:2 with linespoints title "bars/foldiak+continuous_output", "information.png.dat" index 6 using 1:2 with linespoints title "bars/notebook+settling", "information.png.dat" index 7 using 1:2 with linespoints title "bars/notebook+foldiak_slope", "information.png.dat" index 8 using 1:2 with linespoints title "bars/notebook+foldiak_lateral", "information.png.dat" index 9 using 1:2 with linespoints title "bars/notebook+binary_output"
