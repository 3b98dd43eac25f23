set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig_unions.png"
set title "Unions of M patterns (a=200, s=25 per pattern, theta=15)"
set xlabel "number of patterns in the union M"
set ylabel "probability of a false positive"
set grid
set key outside right
set logscale y
set format y '%.0e'
set key outside right
plot "fig_unions.png.dat" index 0 using 1:2 with lines lw 2 lc 1 title "n=1000 exact", "fig_unions.png.dat" index 1 using 1:2 with lines dt 2 lw 2 lc 1 title "n=1000 at the expected size", "fig_unions.png.dat" index 2 using 1:2 with points pt 7 ps 0.8 lc 1 title "n=1000 observed", "fig_unions.png.dat" index 3 using 1:2 with lines lw 2 lc 2 title "n=10000 exact", "fig_unions.png.dat" index 4 using 1:2 with lines dt 2 lw 2 lc 2 title "n=10000 at the expected size", "fig_unions.png.dat" index 5 using 1:2 with points pt 7 ps 0.8 lc 2 title "n=10000 observed", "fig_unions.png.dat" index 6 using 1:2 with lines lw 2 lc 3 title "n=20000 exact", "fig_unions.png.dat" index 7 using 1:2 with lines dt 2 lw 2 lc 3 title "n=20000 at the expected size", "fig_unions.png.dat" index 8 using 1:2 with points pt 7 ps 0.8 lc 3 title "n=20000 observed"
