set terminal pngcairo size 650,600 noenhanced font 'sans,11'
set output "gabor_positions_lpjiang.png"
set title "lpjiang/10x10_K400: centres of the 393 fits with R^2 >= 0.8"
set xlabel "x0 (pixels)"
set ylabel "y0 (pixels)"
set grid
set key outside right
set xrange [-0.5:9.5]; set yrange [9.5:-0.5]; set size square
plot "gabor_positions_lpjiang.png.dat" index 0 using 1:2 with points pt 7 ps 0.8 title "centre (x0, y0)"
