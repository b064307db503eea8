/* genseeds: split the path indices [0, paths) into shards.
 *
 * --first F splits [F, paths) instead: a later batch of a run grown to a
 * tolerance (pipeline/price's TOL=), whose earlier batches counted [0, F).
 * The metadata still says paths=paths, the run as it stands after the batch.
 *
 * Each row names a shard, its first path, its path count and the seed.
 * With a counter-based RNG every shard shares the one seed: the path index
 * alone makes the streams independent, so any split yields the same paths.
 *
 * --align A puts the shards' inner boundaries on multiples of A (path
 * indices): the partials sum their paths in blocks fixed in that space
 * (partial.h, 128 paths), and simpaths' fast sums take whole blocks only,
 * so a shard begun inside a block summed every path of it the slow way
 * (about 8% of a European shard; 15 shards of 16 at PATHS=2.7e8). Any
 * split gives the same bytes; this one is only faster.
 *
 * --taper J tapers the split for J job slots that each take a run of
 * consecutive shards first to last (pipeline/parallel-run --many's groups:
 * min(J, shards) of them, the first shards % J one shard longer) and then
 * take each other's last ones (price-shard's MCPIPE_STEAL): each run gets
 * an equal share of the units, in sizes falling linearly to the run's end
 * (trapezoid self-scheduling's chunks), so that the shards the slots take
 * last are small and the slots end close together (issue 20, session
 * 12: a shard's worth apart, up to a tenth of an Asian run, before). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "numtext.h"
#include "opts.h"

#define MAX_PATHS (UINT64_C(1) << 63)

static const char synopsis[] =
	"genseeds -n paths [-s shards] [-m multiple | --align A] [--taper J] [--first first] [--seed seed]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Split path indices [0, paths) into shards for simpaths.\n\n"
	       "  -n, --paths N    number of paths, 1 to 2^63\n"
	       "  -s, --shards S   number of shards, 1 to paths (default 1)\n"
	       "  -m, --multiple M every shard starts and ends on a multiple of M (a run\n"
	       "                   of M quasi-Monte Carlo replicates; default 1)\n"
	       "      --align A    the shards' inner boundaries on multiples of A, when\n"
	       "                   there are paths enough (default 1)\n"
	       "      --taper J    sizes falling toward the end of each of J runs of\n"
	       "                   shards, one a job slot (default: equal sizes)\n"
	       "      --first F    split only [F, paths), 0 to paths-1 (default 0)\n"
	       "      --seed X     64-bit seed, decimal or 0x hex (default 1)\n"
	       "  -h, --help       show this help\n"
	       "  -V, --version    show the version\n\n"
	       "Output: a header 'shard first count seed' and one row per shard.\n",
	       synopsis);
	finish_output();
	exit(0);
}

static uint64_t parse_count(const char *option, const char *text, uint64_t max)
{
	uint64_t value;

	if (text[0] == '-')
		usage_error("%s: '%s' must be positive", option, text);
	if (!num_parse_u64(text, strlen(text), &value))
		usage_error("%s: invalid count '%s'", option, text);
	if (value == 0)
		usage_error("%s: '%s' must be positive", option, text);
	if (value > max)
		usage_error("%s: '%s' is too large (at most %llu)", option, text,
		            (unsigned long long)max);
	return value;
}

/* tapered: whether units split into `runs` runs of shards (the first
 * shards % runs one shard longer), each an equal share of the units (the
 * first units % runs one more), leave every shard a unit at least in the
 * linear taper below: a run of m shards and v units needs v >= m^2. */
static int tapered(uint64_t units, uint64_t shards, uint64_t runs)
{
	if (runs < 1 || runs > shards)
		return 0;
	uint64_t m = shards / runs + (shards % runs != 0), v = units / runs;
	/* the longest run against the smallest share (m <= 2^32 here) */
	return m <= UINT64_C(0xffffffff) && v >= m * m;
}

/* The unit counts of the shards in turn (next_count). Plain: equal,
 * within one, the larger first. Tapered for J slots (when every shard
 * gets a unit: tapered): run g's shard i of m ends at v (m^2 - (m-i-1)^2)
 * / m^2 of the run's v units, rounded down: sizes in the ratio 2m-1,
 * 2m-3, ..., 3, 1 within one unit, never growing along the run (the steps
 * are 2v/m^2 >= 2 units), the last ceil(v/m^2) >= 1. Computed in turn, not
 * stored: shards go to 2^63. */
struct split {
	uint64_t units, shards, runs, k;   /* runs 0: the plain split */
	uint64_t g, i, m, v;               /* the run, the shard in it, its size */
	unsigned __int128 done;            /* units of run g before shard i */
};

static void split_init(struct split *sp, uint64_t units, uint64_t shards, uint64_t slots)
{
	uint64_t runs = slots < shards ? slots : shards;
	*sp = (struct split){ .units = units, .shards = shards };
	if (slots && tapered(units, shards, runs)) {
		sp->runs = runs;
		sp->m = shards / runs + (0 < shards % runs);
		sp->v = units / runs + (0 < units % runs);
	}
}

static uint64_t next_count(struct split *sp)
{
	uint64_t k = sp->k++;
	if (!sp->runs)
		return sp->units / sp->shards + (k < sp->units % sp->shards);
	unsigned __int128 mm = (unsigned __int128)sp->m * sp->m;
	unsigned __int128 left = (unsigned __int128)(sp->m - sp->i - 1) * (sp->m - sp->i - 1);
	unsigned __int128 end = (unsigned __int128)sp->v * (mm - left) / mm;
	uint64_t count = (uint64_t)(end - sp->done);
	sp->done = end;
	if (++sp->i == sp->m && ++sp->g < sp->runs) {
		sp->i = 0;
		sp->done = 0;
		sp->m = sp->shards / sp->runs + (sp->g < sp->shards % sp->runs);
		sp->v = sp->units / sp->runs + (sp->g < sp->units % sp->runs);
	}
	return count;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "paths", required_argument, NULL, 'n' },
		{ "shards", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "multiple", required_argument, NULL, 'm' },
		{ "first", required_argument, NULL, 'F' },
		{ "align", required_argument, NULL, 'A' },
		{ "taper", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *paths_text = NULL, *shards_text = "1", *multiple_text = "1", *first_text = NULL,
	           *align_text = "1", *taper_text = NULL;
	uint64_t seed = 1;
	int c;

	tool_init("genseeds", argv);
	while ((c = getopt_long(argc, argv, "n:s:m:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': paths_text = optarg; break;
		case 's': shards_text = optarg; break;
		case 'm': multiple_text = optarg; break;
		case 'S': seed = opt_seed("--seed", optarg); break;
		case 'F': first_text = optarg; break;
		case 'A': align_text = optarg; break;
		case 'T': taper_text = optarg; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!paths_text)
		usage_error("--paths is required");
	uint64_t paths = parse_count("--paths", paths_text, MAX_PATHS);
	uint64_t shards = parse_count("--shards", shards_text, MAX_PATHS);
	uint64_t multiple = parse_count("--multiple", multiple_text, MAX_PATHS);
	uint64_t align = parse_count("--align", align_text, MAX_PATHS);
	uint64_t slots = taper_text ? parse_count("--taper", taper_text, MAX_PATHS) : 0;
	if (align > 1 && multiple > 1)
		usage_error("--align: not with --multiple (a shard of replicates starts on a multiple)");
	if (paths % multiple)
		usage_error("--multiple: %llu paths are not a multiple of %llu",
		            (unsigned long long)paths, (unsigned long long)multiple);
	uint64_t first = 0;
	if (first_text) {
		if (first_text[0] == '-' || !num_parse_u64(first_text, strlen(first_text), &first))
			usage_error("--first: invalid path index '%s'", first_text);
		if (first >= paths)
			usage_error("--first: %llu: want a first path below paths=%llu",
			            (unsigned long long)first, (unsigned long long)paths);
		if (first % multiple)
			usage_error("--first: %llu is not a multiple of %llu",
			            (unsigned long long)first, (unsigned long long)multiple);
	}
	if (shards > paths - first)
		usage_error("--shards: %llu shards for %llu paths: at most one shard per path",
		            (unsigned long long)shards, (unsigned long long)(paths - first));
	if (shards > (paths - first) / multiple)
		usage_error("--shards: %llu shards for %llu paths in multiples of %llu: at most %llu",
		            (unsigned long long)shards, (unsigned long long)(paths - first),
		            (unsigned long long)multiple, (unsigned long long)((paths - first) / multiple));

	printf("# tool=genseeds paths=%llu seed=%llu\n", (unsigned long long)paths,
	       (unsigned long long)seed);
	printf("shard\tfirst\tcount\tseed\n");
	/* the split of (paths - first) / multiple units, each `multiple` paths;
	 * with --align, of the whole blocks of A paths from the first
	 * multiple of A at or after first: shard 0 also takes the paths
	 * before it, the last shard those after the last whole block (fewer
	 * blocks than shards: the plain split) */
	uint64_t start = first, head = 0, tail = 0;
	if (align > 1) {
		uint64_t aligned = first % align ? first + (align - first % align) : first;
		if (aligned < paths && (paths - aligned) / align >= shards) {
			head = aligned - first;
			multiple = align;
			tail = (paths - aligned) % align;
			start = aligned;
		}
	}
	uint64_t units = (paths - start) / multiple;
	struct split sp;
	split_init(&sp, units, shards, slots);
	for (uint64_t shard = 0; shard < shards; shard++) {
		uint64_t count = next_count(&sp) * multiple;
		if (shard == 0)
			count += head;
		if (shard == shards - 1)
			count += tail;
		printf("%llu\t%llu\t%llu\t%llu\n", (unsigned long long)shard,
		       (unsigned long long)first, (unsigned long long)count,
		       (unsigned long long)seed);
		first += count;
	}
	finish_output();
	return 0;
}
