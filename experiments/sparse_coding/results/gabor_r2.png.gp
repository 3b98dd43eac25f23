set terminal pngcairo size 1100,600 noenhanced font 'sans,11'
set output "gabor_r2.png"
set title "Gabor fits: R^2 of every filter, best first"
set xlabel "share of the filters"
set ylabel "R^2"
set grid
set key outside right
set yrange [0:1]; set key outside right; set arrow from 0,0.8 to 1,0.8 nohead dt 2
plot "gabor_r2.png.dat" index 0 using 1:2 with lines lw 2 title "lpjiang/10x10_K400", "gabor_r2.png.dat" index 1 using 1:2 with lines lw 2 title "notebook/raw/foldiak", "gabor_r2.png.dat" index 2 using 1:2 with lines lw 2 title "notebook/raw/sailnet", "gabor_r2.png.dat" index 3 using 1:2 with lines lw 2 title "notebook/raw/sparse_coding", "gabor_r2.png.dat" index 4 using 1:2 with lines lw 2 title "notebook/whitened/foldiak", "gabor_r2.png.dat" index 5 using 1:2 with lines lw 2 title "notebook/whitened/sailnet", "gabor_r2.png.dat" index 6 using 1:2 with lines lw 2 title "notebook/whitened/sparse_coding", "gabor_r2.png.dat" index 7 using 1:2 with lines lw 2 title "olshausen_field/16x16_K192"
