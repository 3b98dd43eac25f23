set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "fig5b_noise_accuracy.png"
set title "Figure 5B: MNIST test accuracy against noise (mean over seeds)"
set xlabel "noise (fraction of pixels set to mean + 2 std)"
set ylabel "test accuracy (%)"
set grid
set key outside right
set key inside left bottom; set yrange [0:100]; set grid
plot "fig5b_noise_accuracy.png.dat" index 0 using 1:2 with linespoints title "Dense CNN-1", "fig5b_noise_accuracy.png.dat" index 1 using 1:2 with linespoints title "Dense CNN-2", "fig5b_noise_accuracy.png.dat" index 2 using 1:2 with linespoints title "Sparse CNN-1", "fig5b_noise_accuracy.png.dat" index 3 using 1:2 with linespoints title "Sparse CNN-2", "fig5b_noise_accuracy.png.dat" index 4 using 1:2 with linespoints title "Dense CNN-2 SP3", "fig5b_noise_accuracy.png.dat" index 5 using 1:2 with linespoints title "Sparse CNN-2 D3", "fig5b_noise_accuracy.png.dat" index 6 using 1:2 with linespoints title "Sparse CNN-2 W1", "fig5b_noise_accuracy.png.dat" index 7 using 1:2 with linespoints title "Sparse CNN-2 DSW"
