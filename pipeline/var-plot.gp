# var-plot.gp: the P&L histogram of make var, with VaR and ES marked.
# usage: gnuplot -c var-plot.gp BINS VAR ES PNG LEVEL SCENARIOS
# BINS: scenarios --histogram (rows "pnl count", pnl the bin's centre).
losses = ARG1; var = real(ARG2); es = real(ARG3); png = ARG4
set terminal pngcairo size 900,540 noenhanced
set output png
set datafile separator "\t"
set datafile commentschars "#"
set datafile columnheaders
stats losses using 1 nooutput
width = STATS_records > 1 ? (STATS_max - STATS_min) / (STATS_records - 1) : 1
set boxwidth width
set title sprintf("P&L over the horizon: %s scenarios (VaR and ES at %s)", ARG6, ARG5)
set xlabel "P&L (horizon value - today's value)"
set ylabel "scenarios"
set style fill solid 0.6 border -1
set arrow 1 from -var, graph 0 to -var, graph 1 nohead lw 2 lc rgb "#d95f02"
set arrow 2 from -es, graph 0 to -es, graph 1 nohead lw 2 dt 2 lc rgb "#7570b3"
set label 1 sprintf(" VaR %.0f", var) at -var, graph 0.92 left tc rgb "#d95f02"
set label 2 sprintf("ES %.0f ", es) at -es, graph 0.85 right tc rgb "#7570b3"
set key off
plot losses using 1:2 with boxes lc rgb "#1b9e77"
