set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig_effect_of_n-effect_of_n_seeds.png"
set title "False positives against n (s=24, theta=12)"
set xlabel "cell population size n"
set ylabel "probability of a false positive"
set grid
set key outside right
set logscale y
set format y '%.0e'
set key outside right
plot "fig_effect_of_n-effect_of_n_seeds.png.dat" index 0 using 1:2 with lines lw 2 lc 1 title "a=64 exact", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 1 using 1:2 with points pt 7 ps 0.8 lc 1 title "a=64 observed", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 2 using 1:2 with lines lw 2 lc 2 title "a=128 exact", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 3 using 1:2 with points pt 7 ps 0.8 lc 2 title "a=128 observed", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 4 using 1:2 with lines lw 2 lc 3 title "a=256 exact", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 5 using 1:2 with points pt 7 ps 0.8 lc 3 title "a=256 observed", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 6 using 1:2 with lines lw 2 lc 4 title "a=n/2 exact", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 7 using 1:2 with points pt 7 ps 0.8 lc 4 title "a=n/2 observed", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 8 using 1:2 with lines lw 2 lc 5 title "a=n/4 exact", "fig_effect_of_n-effect_of_n_seeds.png.dat" index 9 using 1:2 with points pt 7 ps 0.8 lc 5 title "a=n/4 observed"
