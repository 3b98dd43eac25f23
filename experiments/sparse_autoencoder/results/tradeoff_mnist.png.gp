set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "tradeoff_mnist.png"
set title "mnist: test reconstruction MSE against active share (code > 0.01), mean over seeds"
set xlabel "share of code units active per test sample"
set ylabel "test MSE per pixel"
set grid
set key outside right
set key top right
plot "tradeoff_mnist.png.dat" index 0 using 1:2 with points pt 7 ps 2 title "no penalty", "tradeoff_mnist.png.dat" index 1 using 1:2 with linespoints title "L1 on codes", "tradeoff_mnist.png.dat" index 2 using 1:2 with linespoints title "KL (rho_hat per batch)", "tradeoff_mnist.png.dat" index 3 using 1:2 with linespoints title "k-sparse"
