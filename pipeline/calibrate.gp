# calibrate.gp: market against fitted implied volatilities, one panel per
# maturity. gnuplot -c calibrate.gp FIT.TSV OUT.PNG "T1 T2 ..." (the
# maturities as written in FIT.TSV's first column, one argument: gnuplot
# takes at most nine). They are numbers calibrate wrote (%.17g of the
# surface's maturities, which it parsed as numbers), never text a user
# typed: word() splits them and + 0 makes each a number (a string gnuplot
# never runs); the panel's title shows it with its significant digits.
# a path as a file name, never a command: gnuplot reads "<CMD" and
# writes "|CMD" through a shell (an OUT of "<touch x;o" ran it)
path(p) = p[1:1] eq "/" ? p : "./" . p
fit = path(ARG1)
n = words(ARG3)
cols = n > 4 ? 4 : n
rows = (n + cols - 1) / cols
set terminal pngcairo size 1400, 380 * rows font ",9"
set output path(ARG2)
set datafile separator "\t"
set datafile commentschars "#"
set multiplot layout rows, cols title "Heston fit: market (points) and model (line) implied volatility"
set key off
set xlabel "strike"
set ylabel "implied vol"
do for [i = 1:n] {
	T = word(ARG3, i) + 0
	set title sprintf("T = %.6g", T)
	plot fit using 2:(abs($1 - T) < 1e-12 ? $4 : NaN) skip 2 with points pt 7 ps 0.8 lc rgb "black", \
	     fit using 2:(abs($1 - T) < 1e-12 ? $5 : NaN) skip 2 with lines lw 2 lc rgb "red"
}
unset multiplot
