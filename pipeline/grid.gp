# grid.gp: the plot of make grid (pipeline/grid), run as
#   gnuplot -c grid.gp GRID.TSV PNG XLABEL PAYOFF PATHS NCOL CLOSED
# Every argument is a string gnuplot never parses as commands (ARG1...):
# paths and names with quotes, ; or backquotes are text here.
# a path as a file name, never a command: gnuplot reads "<CMD" and
# writes "|CMD" through a shell (an OUT of "<touch x;o" ran it)
path(p) = p[1:1] eq "/" ? p : "./" . p
set terminal pngcairo size 900,600 noenhanced
set output path(ARG2)
set datafile separator "\t"
set key top left
set xlabel ARG3
set ylabel "price"
set title sprintf("%s price by Monte Carlo (95%% interval) and closed form, %s paths per point", ARG4, ARG5)
n = int(ARG6)
if (ARG7 eq "1") {
	plot path(ARG1) skip 1 using 1:(column(n + 1)):(column(n + 3)):(column(n + 4)) \
		with yerrorbars pt 7 ps 0.6 title "Monte Carlo, 95% interval", \
	     path(ARG1) skip 1 using 1:(column(n + 5)) with lines lw 1.5 title "closed form"
} else {
	plot path(ARG1) skip 1 using 1:(column(n + 1)):(column(n + 3)):(column(n + 4)) \
		with yerrorbars pt 7 ps 0.6 title "Monte Carlo, 95% interval"
}
