# convergence.gp: the picture of `make convergence` (pipeline/convergence).
# usage: gnuplot -c convergence.gp CONVERGENCE.TSV OUT.PNG STEPS SLOPE_MC
#        SLOPE_MC_CONTROL [SLOPE_QMC SLOPE_QMC_CONTROL]
# (values arrive as ARG1..ARG7, never as gnuplot text; an empty slope: no
# such method in the file)
# a path as a file name, never a command: gnuplot reads "<CMD" and
# writes "|CMD" through a shell (an OUT of "<touch x;o" ran it)
path(p) = p[1:1] eq "/" ? p : "./" . p
set terminal pngcairo size 900,600 noenhanced
set output path(ARG2)
set datafile separator "\t"
set datafile commentschars "#"
set logscale xy 2
set format x "2^%L"
set format y "%.0e"
set logscale y 10
set xlabel "paths"
set ylabel "standard error of the estimate"
set key top right box opaque
set grid
set title sprintf("Arithmetic Asian call, %s dates: standard error against paths (QMC: 16 replicates)", ARG3)
label(name, s) = s eq "" ? name : sprintf("%s, slope %+.2f", name, real(s))
if (ARG6 eq "") {
	plot path(ARG1) skip 2 using (strcol(1) eq "mc" ? $2 : 1/0):4 with linespoints pt 7 lw 2 lc rgb "#cc3311" title label("Monte Carlo", ARG4), \
	     path(ARG1) skip 2 using (strcol(1) eq "mc-control" ? $2 : 1/0):4 with linespoints pt 5 lw 2 lc rgb "#ee7733" title label("Monte Carlo + control", ARG5)
} else {
	plot path(ARG1) skip 2 using (strcol(1) eq "mc" ? $2 : 1/0):4 with linespoints pt 7 lw 2 lc rgb "#cc3311" title label("Monte Carlo", ARG4), \
	     path(ARG1) skip 2 using (strcol(1) eq "mc-control" ? $2 : 1/0):4 with linespoints pt 5 lw 2 lc rgb "#ee7733" title label("Monte Carlo + control", ARG5), \
	     path(ARG1) skip 2 using (strcol(1) eq "qmc" ? $2 : 1/0):4 with linespoints pt 9 lw 2 lc rgb "#0077bb" title label("QMC (Sobol, Brownian bridge)", ARG6), \
	     path(ARG1) skip 2 using (strcol(1) eq "qmc-control" ? $2 : 1/0):4 with linespoints pt 11 lw 2 lc rgb "#009988" title label("QMC + control", ARG7)
}
