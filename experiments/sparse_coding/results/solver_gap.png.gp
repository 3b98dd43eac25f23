set terminal pngcairo size 900,600 noenhanced font 'sans,11'
set output "solver_gap.png"
set title "Relative objective gap on 1000 held-out 10x10 patches (K = 400, lambda = 0.25)"
set xlabel "iteration k"
set ylabel "(F(z_k) - F*) / F*"
set grid
set key outside right
set logscale y
set format y '%.0e'
set logscale x
set yrange [1e-9:10]; set key left bottom; set arrow from 1,0.0001 to 3000,0.0001 nohead dt 4
plot "solver_gap.png.dat" index 0 using 1:2 with lines lw 2 title "ista", "solver_gap.png.dat" index 1 using 1:2 with lines lw 2 title "fista", "solver_gap.png.dat" index 2 using 1:2 with lines lw 2 title "fista_restart", "solver_gap.png.dat" index 3 using 1:2 with lines lw 2 title "fista_backtracking", "solver_gap.png.dat" index 4 using 1:2 with lines lw 2 title "lca", "solver_gap.png.dat" index 5 using 1:2 with lines dt 2 lw 2 title "ISTA bound L|z0-z*|^2/(2k)", "solver_gap.png.dat" index 6 using 1:2 with lines dt 3 lw 2 title "FISTA bound 2L|z0-z*|^2/(k+1)^2"
