/* pressctl watch's line for an event type of model/events.def, made from
 * each field's text rule there (rank, style, label, decimals, phases): a
 * field added to the declaration shows up here without an edit. Works on
 * the JSON as received, so a field missing from a message (an older or
 * newer pressd) is skipped, never invented. */
#include "format.h"

#include <string.h>

#include "event.h"

static bool num(json_t *ev, const char *key, double *v)
{
	json_t *j = json_object_get(ev, key);
	if (!json_is_number(j))
		return false;
	*v = json_number_value(j);
	return true;
}

/* The next fields' values, for styles that show several (AT, PATH, RANGE). */
static bool nums(json_t *ev, const struct pd_event_desc *d, size_t i, size_t n, double *v)
{
	for (size_t k = 0; k < n; k++)
		if (i + k >= d->nfields || !num(ev, d->fields[i + k].name, &v[k]))
			return false;
	return true;
}

static void one(FILE *o, json_t *ev, const struct pd_event_desc *d, size_t i)
{
	const struct pd_field *f = &d->fields[i];
	const struct pd_text *tx = &f->text;
	const char *label = tx->label ? tx->label : f->name;
	json_t *j = json_object_get(ev, f->name);
	double v[4];
	char ubuf[32];
	switch (tx->style) {
	case PD_TX_HIDE: return;
	case PD_TX_KV:
		if (j) {
			fprintf(o, " %s=", label);
			pc_put_value(o, j);
		}
		return;
	case PD_TX_KVF: {
		const char *unit = f->unit == PD_FU_MM2 ? "mm²" : f->unit == PD_FU_DEG ? "°"
			: pd_field_unit_symbol(f->unit, NULL, ubuf, sizeof ubuf);
		if (num(ev, f->name, v))
			fprintf(o, " %s=%.*f%s", label, tx->decimals, v[0], unit);
		return;
	}
	case PD_TX_SECONDS:
		if (num(ev, f->name, v))
			fprintf(o, " %.*fs", v[0] < 10 ? 2 : 1, v[0]);
		return;
	case PD_TX_SECONDS1:
		if (num(ev, f->name, v))
			fprintf(o, " %.1fs", v[0]);
		return;
	case PD_TX_OF_S:
		if (num(ev, f->name, v))
			fprintf(o, " of %gs", v[0]);
		return;
	case PD_TX_CHECK:
		if (json_is_true(j))
			fputs(" ✓", o);
		return;
	case PD_TX_UNITS:
	case PD_TX_QUOTED:
		if (json_is_string(j)) {
			fputs(tx->style == PD_TX_QUOTED ? " \"" : " ", o);
			pc_put_safe(o, json_string_value(j));
			if (tx->style == PD_TX_QUOTED)
				fputc('"', o);
		}
		return;
	case PD_TX_AT:
		if (nums(ev, d, i, 2, v))
			fprintf(o, " at (%.*f, %.*f) mm", tx->decimals, v[0], tx->decimals, v[1]);
		return;
	case PD_TX_PATH:
		if (nums(ev, d, i, 4, v))
			fprintf(o, " (%.*f, %.*f)→(%.*f, %.*f) mm", tx->decimals, v[0], tx->decimals, v[1], tx->decimals,
				v[2], tx->decimals, v[3]);
		return;
	case PD_TX_RANGE:
		if (nums(ev, d, i, 2, v))
			fprintf(o, " %.*f→%.*f mm", tx->decimals, v[0], tx->decimals, v[1]);
		return;
	case PD_TX_SIGNED:
		if (num(ev, f->name, v))
			fprintf(o, " %s=%+g", label, v[0]);
		return;
	case PD_TX_LIST:
		if (json_is_array(j)) {
			fprintf(o, " %s=", label);
			size_t k;
			json_t *x;
			json_array_foreach(j, k, x) fprintf(o, "%s%.*f", k ? "," : "", tx->decimals, json_number_value(x));
			fputc('s', o);
		}
		return;
	}
}

bool pc_format_declared(FILE *o, const char *type, json_t *ev, const char *phase)
{
	const struct pd_event_desc *d = pd_event_desc_named(type);
	if (!d)
		return false;
	int ph = phase ? pd_phase_from_name(phase) : PD_PHASE_NONE;
	unsigned bit = 1u << (ph < 0 ? PD_PHASE_NONE : ph);
	/* Ranks are small: show them in order, each field once. */
	for (unsigned rank = 1; rank < 64; rank++)
		for (size_t i = 0; i < d->nfields; i++)
			if (d->fields[i].text.rank == rank && (d->fields[i].text.phases & bit))
				one(o, ev, d, i);
	return true;
}
