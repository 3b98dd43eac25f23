set terminal pngcairo size 1100,600 noenhanced font 'sans,11'
set output "gabor_r2-short_dictionaries.png"
set title "Gabor fits: R^2 of every filter, best first"
set xlabel "share of the filters"
set ylabel "R^2"
set grid
set key outside right
set yrange [0:1]; set key outside right; set arrow from 0,0.8 to 1,0.8 nohead dt 2
plot "gabor_r2-short_dictionaries.png.dat" index 0 using 1:2 with lines lw 2 title "lpjiang/10x10_K400", "gabor_r2-short_dictionaries.png.dat" index 1 using 1:2 with lines lw 2 title "olshausen_field/16x16_K192"
