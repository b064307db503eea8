# var-plot.gp: the P&L histogram of make var, with VaR and ES marked.
# usage: gnuplot -c var-plot.gp LOSSES VAR ES PNG LEVEL SCENARIOS
# LOSSES: scenarios --losses (columns scenario, loss); the P&L is -loss.
losses = ARG1; var = real(ARG2); es = real(ARG3); png = ARG4
set terminal pngcairo size 900,540 noenhanced
set output png
set datafile separator "\t"
set datafile commentschars "#"
stats losses using (-$2) nooutput
bins = 120
width = (STATS_max - STATS_min) / bins
bin(x) = width * floor(x / width) + width / 2
set title sprintf("P&L over the horizon: %s scenarios (VaR and ES at %s)", ARG6, ARG5)
set xlabel "P&L (horizon value - today's value)"
set ylabel "scenarios"
set style fill solid 0.6 border -1
set arrow 1 from -var, graph 0 to -var, graph 1 nohead lw 2 lc rgb "#d95f02"
set arrow 2 from -es, graph 0 to -es, graph 1 nohead lw 2 dt 2 lc rgb "#7570b3"
set label 1 sprintf(" VaR %.0f", var) at -var, graph 0.92 left tc rgb "#d95f02"
set label 2 sprintf("ES %.0f ", es) at -es, graph 0.85 right tc rgb "#7570b3"
set key off
plot losses every ::1 using (bin(-$2)):(1) smooth frequency with boxes lc rgb "#1b9e77"
