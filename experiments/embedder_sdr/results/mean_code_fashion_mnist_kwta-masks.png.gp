set terminal pngcairo size 900,360 noenhanced font 'sans,11'
set output "mean_code_fashion_mnist_kwta-masks.png"
set title "Mean binary code per class, fashion_mnist/kwta (seed 0)"
set xlabel "code unit"
set ylabel "class"
set grid
set key outside right
set xrange [-0.5:255.5]
set yrange [-0.5:9.5]
set ytics 1
unset grid
set palette grey negative
set yrange [] reverse
plot "mean_code_fashion_mnist_kwta-masks.png.dat" matrix with image notitle
