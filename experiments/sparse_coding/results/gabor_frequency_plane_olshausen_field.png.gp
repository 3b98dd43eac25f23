set terminal pngcairo size 650,600 noenhanced font 'sans,11'
set output "gabor_frequency_plane_olshausen_field.png"
set title "olshausen_field/16x16_K192: frequency plane (cycles/pixel), R^2 >= 0.8"
set xlabel "f cos(theta)"
set ylabel "f sin(theta)"
set grid
set key outside right
set xrange [-0.5:0.5]; set yrange [-0.5:0.5]; set size square
plot "gabor_frequency_plane_olshausen_field.png.dat" index 0 using 1:2 with points pt 7 ps 0.8 title "(f cos theta, f sin theta)"
