set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "accuracy_vs_sparsity_lenet5-short_global.png"
set title "LeNet-5 on MNIST: test accuracy against weights kept"
set xlabel "non-zero weights (% of the dense model's)"
set ylabel "test accuracy (%)"
set grid
set key outside right
set logscale x
set key right bottom
plot "accuracy_vs_sparsity_lenet5-short_global.png.dat" index 0 using 1:2 with linespoints title "gradual", "accuracy_vs_sparsity_lenet5-short_global.png.dat" index 1 using 1:2 with lines dashtype 2 title "dense"
