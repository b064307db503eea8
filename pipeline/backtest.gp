# backtest.gp: the picture of make backtest, run as
#   gnuplot -c pipeline/backtest.gp DAYS PNG [TITLE]
# DAYS is backtest -e's day table (backtest-days.tsv): the realised loss and
# the two VaR forecasts over time, the days whose loss beat a forecast
# marked. Paths and title arrive as ARG1..ARG3, never as gnuplot text.
if (ARGC < 2) { print "usage: gnuplot -c backtest.gp DAYS PNG [TITLE]"; exit status 2 }
# a path as a file name, never a command: gnuplot reads "<CMD" and
# writes "|CMD" through a shell (an OUT of "<touch x;o" ran it)
path(p) = p[1:1] eq "/" ? p : "./" . p
set terminal pngcairo size 900,500 noenhanced font ",9"
set output path(ARG2)
set datafile separator "\t"
set key autotitle columnhead
set xdata time
set timefmt "%Y-%m-%d"
set format x "%Y"
set xtics 31557600
set autoscale xfix
set ylabel "one-day loss, % of the position"
set key top left
set grid ytics
if (ARGC >= 3) { set title ARG3 } else { set title "Walk-forward one-day VaR and realised losses" }
plot path(ARG1) using 2:(100 * $3) with impulses lc rgb "#b8b8b8" title "realised loss", \
     "" using 2:(100 * $4) with steps lw 1.2 lc rgb "#1f77b4" title "VaR, historical simulation", \
     "" using 2:(100 * $5) with lines lw 1.2 lc rgb "#d62728" title "VaR, Monte Carlo EWMA", \
     "" using 2:($7 > 0 ? 100 * $3 : 1/0) with points pt 7 ps 0.7 lc rgb "#1f77b4" title "exception (HS)", \
     "" using 2:($8 > 0 ? 100 * $3 : 1/0) with points pt 6 ps 1.2 lc rgb "#d62728" title "exception (MC)"
