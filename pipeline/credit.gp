# credit.gp: the loss distribution of `make credit`, on a log scale.
# usage: gnuplot -c credit.gp DISTRIBUTION.TSV OUT.PNG VAR ES LEVEL
# (values arrive as ARG1..ARG5, never as gnuplot text)
# a path as a file name, never a command: gnuplot reads "<CMD" and
# writes "|CMD" through a shell (an OUT of "<touch x;o" ran it)
path(p) = p[1:1] eq "/" ? p : "./" . p
set terminal pngcairo size 900,560 noenhanced
set output path(ARG2)
set datafile separator "\t"
set datafile commentschars "#"
set key top right
set rmargin 6
set logscale y
set format y "%.0e"
set xlabel "one-year loss"
set ylabel "P(loss >= x)"
set title sprintf("Loss distribution: VaR and ES at %s", ARG5)
var = real(ARG3)
es = real(ARG4)
set arrow 1 from var, graph 0 to var, graph 1 nohead lc rgb "#cc3311" lw 2
set arrow 2 from es, graph 0 to es, graph 1 nohead lc rgb "#0077bb" lw 2 dt 2
set label 1 sprintf("VaR %.4g", var) at var, graph 0.92 right offset -0.5,0 tc rgb "#cc3311"
set label 2 sprintf("ES %.4g", es) at es, graph 0.85 left offset 0.5,0 tc rgb "#0077bb"
plot path(ARG1) using 1:($4 > 0 ? $4 : 1/0) skip 1 with steps lw 2 lc rgb "#333333" title "exceedance probability"
