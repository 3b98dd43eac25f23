set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "information_plane_fashion_mnist_ksg.png"
set title "Information plane, fashion_mnist, ksg (seed 0, 1000 test samples)"
set xlabel "I(X;T) [bits]"
set ylabel "I(T;Y) [bits]"
set grid
set key outside right
plot "information_plane_fashion_mnist_ksg.png.dat" index 0 using 1:2 with linespoints title "softmax/hidden", "information_plane_fashion_mnist_ksg.png.dat" index 1 using 1:2 with linespoints title "softmax/output", "information_plane_fashion_mnist_ksg.png.dat" index 2 using 1:2 with linespoints title "kwta/hidden", "information_plane_fashion_mnist_ksg.png.dat" index 3 using 1:2 with linespoints title "kwta/code", "information_plane_fashion_mnist_ksg.png.dat" index 4 using 1:2 with linespoints title "kwta_scaling/hidden", "information_plane_fashion_mnist_ksg.png.dat" index 5 using 1:2 with linespoints title "kwta_scaling/code", "information_plane_fashion_mnist_ksg.png.dat" index 6 using 1:2 with linespoints title "kwta_pretrained/hidden", "information_plane_fashion_mnist_ksg.png.dat" index 7 using 1:2 with linespoints title "kwta_pretrained/code", "information_plane_fashion_mnist_ksg.png.dat" index 8 using 1:2 with linespoints title "kwta_pretrained_scaling/hidden", "information_plane_fashion_mnist_ksg.png.dat" index 9 using 1:2 with linespoints title "kwta_pretrained_scaling/code", "information_plane_fashion_mnist_ksg.png.dat" index 10 using 1:2 with linespoints title "kwta_hidden/hidden", "information_plane_fashion_mnist_ksg.png.dat" index 11 using 1:2 with linespoints title "kwta_hidden/code"
