set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "accuracy_vs_sparsity_lenet5-short.png"
set title "LeNet-5 on MNIST: test accuracy against weights kept"
set xlabel "non-zero weights (% of the dense model's)"
set ylabel "test accuracy (%)"
set grid
set key outside right
set logscale x
set key right bottom
plot "accuracy_vs_sparsity_lenet5-short.png.dat" index 0 using 1:2 with linespoints title "constant", "accuracy_vs_sparsity_lenet5-short.png.dat" index 1 using 1:2 with linespoints title "one-shot", "accuracy_vs_sparsity_lenet5-short.png.dat" index 2 using 1:2 with linespoints title "gradual", "accuracy_vs_sparsity_lenet5-short.png.dat" index 3 using 1:2 with linespoints title "small-dense", "accuracy_vs_sparsity_lenet5-short.png.dat" index 4 using 1:2 with lines dashtype 2 title "dense"
