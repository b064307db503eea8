# var-plot.gp: the P&L histogram of make var, with VaR and ES marked.
# usage: gnuplot -c var-plot.gp BINS PNG LEVEL SCENARIOS <VAR-AND-ES
# BINS: scenarios --histogram (rows "pnl count", pnl the bin's centre).
# VaR and ES come on stdin, a header and a row "var es": pipeline/var
# starts gnuplot with the scenarios, so that its start-up is not after
# them, and writes them once risk has them; bins.tsv is read after them.
# a path as a file name, never a command: gnuplot reads "<CMD" and
# writes "|CMD" through a shell (an OUT of "<touch x;o" ran it)
path(p) = p[1:1] eq "/" ? p : "./" . p
losses = path(ARG1); png = path(ARG2)
# The fonts loaded now, while the scenarios run, not after the wait below
# (fontconfig's configuration, expat's parse of it and the font files:
# about 10 ms of the 45 from VaR and ES to the picture, the run's last
# step): a text on a picture of 64 x 64 pixels, to /dev/null (about 3 ms
# of CPU). var.png's bytes are the same.
set terminal pngcairo size 64,64 noenhanced
set output "/dev/null"
unset border; unset tics; set key off; set margins 0, 0, 0, 0; set yrange [-1:1]
set label 1 "VaR 0" at graph 0, graph 0.5
plot 0 with dots
reset
set terminal pngcairo size 900,540 noenhanced
set output png
set datafile separator "\t"
set datafile commentschars "#"
set datafile columnheaders
set title sprintf("P&L over the horizon: %s scenarios (VaR and ES at %s)", ARG4, ARG3)
set xlabel "P&L (horizon value - today's value)"
set ylabel "scenarios"
set style fill solid 0.6 border -1
set key off
# Here gnuplot waits for pipeline/var (the assignments as the row is
# read). Read by a cat, which inherits gnuplot's stdin, not from
# "/dev/stdin": that opens the FIFO anew, and a gnuplot that got there
# after pipeline/var had written and closed it waited for a writer for
# ever, OUT's lock held (seen under load, x-scale; tests/var.bats). (A
# command, but a fixed one: no path or value in it.)
var = NaN; es = NaN
stats "< cat" using (var = $1, es = $2, 0) nooutput
if (STATS_records != 1 || var != var || es != es) { print "var-plot.gp: want one row of VaR and ES on stdin"; exit status 1 }
stats losses using 1 nooutput
width = STATS_records > 1 ? (STATS_max - STATS_min) / (STATS_records - 1) : 1
set boxwidth width
set arrow 1 from -var, graph 0 to -var, graph 1 nohead lw 2 lc rgb "#d95f02"
set arrow 2 from -es, graph 0 to -es, graph 1 nohead lw 2 dt 2 lc rgb "#7570b3"
set label 1 sprintf(" VaR %.0f", var) at -var, graph 0.92 left tc rgb "#d95f02"
set label 2 sprintf("ES %.0f ", es) at -es, graph 0.85 right tc rgb "#7570b3"
plot losses using 1:2 with boxes lc rgb "#1b9e77"
