set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig2_binary.png"
set title "Match probability of sparse binary vectors (a_w=24, theta=12)"
set xlabel "dimensionality n"
set ylabel "probability of a match"
set grid
set key outside right
set logscale y
set format y '%.0e'
plot "fig2_binary.png.dat" index 0 using 1:2 with lines title "a=64 exact", "fig2_binary.png.dat" index 1 using 1:2 with points pt 7 title "a=64 observed", "fig2_binary.png.dat" index 2 using 1:2 with lines title "a=128 exact", "fig2_binary.png.dat" index 3 using 1:2 with points pt 7 title "a=128 observed", "fig2_binary.png.dat" index 4 using 1:2 with lines title "a=256 exact", "fig2_binary.png.dat" index 5 using 1:2 with points pt 7 title "a=256 observed", "fig2_binary.png.dat" index 6 using 1:2 with lines title "a=n/2 exact", "fig2_binary.png.dat" index 7 using 1:2 with points pt 7 title "a=n/2 observed"
