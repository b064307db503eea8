# calibrate.gp: market against fitted implied volatilities, one panel per
# maturity. gnuplot -c calibrate.gp FIT.TSV OUT.PNG "T1 T2 ..." (the
# maturities as written in FIT.TSV's first column, one argument: gnuplot
# takes at most nine).
fit = ARG1
n = words(ARG3)
cols = n > 4 ? 4 : n
rows = (n + cols - 1) / cols
set terminal pngcairo size 1400, 380 * rows font ",9"
set output ARG2
set datafile separator "\t"
set multiplot layout rows, cols title "Heston fit: market (points) and model (line) implied volatility"
set key off
set xlabel "strike"
set ylabel "implied vol"
do for [i = 1:n] {
	T = word(ARG3, i) + 0
	set title sprintf("T = %.4f", T)
	plot fit using 2:(abs($1 - T) < 1e-12 ? $3 : NaN) skip 1 with points pt 7 ps 0.8 lc rgb "black", \
	     fit using 2:(abs($1 - T) < 1e-12 ? $4 : NaN) skip 1 with lines lw 2 lc rgb "red"
}
unset multiplot
