// The layout core, compiled to WebAssembly (layout-core.ts runs it): one pass over a JSON line's bytes against a known
// layout, the fast path of zpa/processor.ts without its per-value calls, writing the record with its coerced values
// and its first standard fields. It answers only for a line it reads exactly as the TypeScript path would accept it
// without a deviation, and declines (-1) anything else, which that path then reads: so it needs to know only the
// common spellings. Build: npm run build:core (clang with the wasm32 target).
//
// The program (written by layout-core.ts, 32-bit words): [0] member count, [1] tail offset, [2] tail length, then per
// member: piece offset, piece length, op, flags, event-time rank (the field's place in its schema, -1: no event time).
// Offsets count bytes from the program's start. A piece is the exact text before a value (separator, key, colon); the
// tail the text after the last value, closing brace included.

#include <wasm_simd128.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef long long i64;
typedef unsigned long long u64;

// What a member's value must be: the field's type, as FieldCheck (field-check.ts) accepts it, with the coercions it
// writes for the common spellings (see read_line); OP_ANY is a key the schema does not know, any scalar kept as it is.
enum { OP_ANY, OP_STRING, OP_BIGINT, OP_FLOAT, OP_BOOLEAN, OP_RFC3339, OP_CTIME, OP_JSON, OP_STRINGS };
enum { F_REQUIRED = 1, F_INDICATOR = 2 };

static int is_digit(u8 c) { return c >= '0' && c <= '9'; }
static int is_hex(u8 c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// The line ends with a 0 byte at s[n] (layout-core.ts writes it): no token or piece holds one, so every read stops
// there without a bounds test of its own.

// The length of the UTF-8 sequence at s[i] (its first byte above 0x7f), or 0 when it is not valid UTF-8 (overlong,
// a surrogate, above U+10FFFF, cut short): as node:buffer isUtf8 decides, which the TypeScript path asks.
static u32 utf8_length(const u8 *s, u32 i) {
  u8 c = s[i], d = s[i + 1];
  if (c >= 0xc2 && c <= 0xdf) return d >= 0x80 && d <= 0xbf ? 2 : 0;
  u8 lo = 0x80, hi = 0xbf;
  if (c >= 0xe0 && c <= 0xef) {
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
    return d >= lo && d <= hi && s[i + 2] >= 0x80 && s[i + 2] <= 0xbf ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
    return d >= lo && d <= hi && s[i + 2] >= 0x80 && s[i + 2] <= 0xbf && s[i + 3] >= 0x80 && s[i + 3] <= 0xbf ? 4 : 0;
  }
  return 0;
}

// Whether the line read last holds a byte above 0x7f (inside a string: nowhere else takes one).
static int non_ascii;

// A string token at s[i] (a quote): the index after its closing quote, or 0. Control characters and invalid UTF-8
// decline: the TypeScript path names the one and decodes the other with replacement characters.
static u32 string_end(const u8 *s, u32 i, int *escaped) {
  int esc = 0;
  for (i++;; i++) {
    // Sixteen bytes at a time while none is a quote, a backslash, a control character or above 0x7f (the 0 after the
    // line is one: no read of a block goes past the memory the line and its output take).
    for (;;) {
      v128_t v = wasm_v128_load(s + i);
      v128_t stop = wasm_v128_or(wasm_v128_or(wasm_i8x16_eq(v, wasm_i8x16_splat('"')), wasm_i8x16_eq(v, wasm_i8x16_splat('\\'))), wasm_v128_or(wasm_u8x16_lt(v, wasm_i8x16_splat(0x20)), wasm_i8x16_lt(v, wasm_i8x16_splat(0))));
      if (wasm_v128_any_true(stop)) {
        i += (u32)__builtin_ctz((u32)wasm_i8x16_bitmask(stop));
        break;
      }
      i += 16;
    }
    u8 c = s[i];
    if (c == '"') break;
    if (c < 0x20) return 0;
    if (c >= 0x80) {
      u32 len = utf8_length(s, i);
      if (!len) return 0;
      non_ascii = 1;
      i += len - 1;
      continue;
    }
    if (c == '\\') {
      esc = 1;
      u8 e = s[++i];
      if (e == 'u') {
        if (!is_hex(s[i + 1]) || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) || !is_hex(s[i + 4])) return 0;
        i += 4;
      } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
        return 0;
      }
    }
  }
  *escaped = esc;
  return i + 1;
}

// A JSON number at s[i]: the index after it, or 0; *integer: no fraction or exponent (JsonScanner's flag).
static u32 number_end(const u8 *s, u32 i, int *integer) {
  int whole = 1;
  if (s[i] == '-') i++;
  if (s[i] == '0') i++;
  else if (s[i] >= '1' && s[i] <= '9') while (is_digit(s[++i]));
  else return 0;
  if (s[i] == '.') {
    whole = 0;
    u32 d = ++i;
    while (is_digit(s[i])) i++;
    if (i == d) return 0;
  }
  if (s[i] == 'e' || s[i] == 'E') {
    whole = 0;
    i++;
    if (s[i] == '+' || s[i] == '-') i++;
    u32 d = i;
    while (is_digit(s[i])) i++;
    if (i == d) return 0;
  }
  *integer = whole;
  return i;
}

static int same(const u8 *a, const u8 *b, u32 n) {
  u32 k = 0;
  // Eight bytes at a time (the line's bytes past a mismatch are never needed: any difference answers no).
  for (; k + 8 <= n; k += 8) {
    u64 x, y;
    __builtin_memcpy(&x, a + k, 8);
    __builtin_memcpy(&y, b + k, 8);
    if (x != y) return 0;
  }
  for (; k < n; k++) if (a[k] != b[k]) return 0;
  return 1;
}

static int literal(const u8 *s, u32 i, const char *word, u32 n) { return same(s + i, (const u8 *)word, n); }

// Kinds of a scalar value token, as JsonScanner names them; containers decline.
enum { K_STRING, K_NUMBER, K_TRUE, K_FALSE, K_NULL };

// The scalar value at s[i]: its end, or 0; *kind and *flag (escapes of a string, integer syntax of a number).
static u32 scalar_end(const u8 *s, u32 i, int *kind, int *flag) {
  u8 c = s[i];
  if (c == '"') { *kind = K_STRING; return string_end(s, i, flag); }
  if (c == 't') { *kind = K_TRUE; return literal(s, i, "true", 4) ? i + 4 : 0; }
  if (c == 'f') { *kind = K_FALSE; return literal(s, i, "false", 5) ? i + 5 : 0; }
  if (c == 'n') { *kind = K_NULL; return literal(s, i, "null", 4) ? i + 4 : 0; }
  if (c == '-' || is_digit(c)) { *kind = K_NUMBER; return number_end(s, i, flag); }
  return 0;
}

// A list of strings at s[i] (`[`), spaces allowed around its elements: its end, or 0. FieldCheck keeps such a list
// in a list-of-strings field as it is; anything else in it (a null, a number to quote) declines.
static u32 strings_end(const u8 *s, u32 i) {
  for (i++; s[i] == ' '; i++);
  if (s[i] == ']') return i + 1;
  for (;;) {
    int escaped;
    if (s[i] != '"' || !(i = string_end(s, i, &escaped))) return 0;
    while (s[i] == ' ') i++;
    if (s[i] == ']') return i + 1;
    if (s[i] != ',') return 0;
    for (i++; s[i] == ' '; i++);
  }
}

// Days from 1970-01-01 of a civil date (H. Hinnant), as civil.ts epochMs computes them.
static i64 days_from_civil(i32 year, i32 month, i32 day) {
  i32 y = month <= 2 ? year - 1 : year;
  i32 era = (y >= 0 ? y : y - 399) / 400;
  i32 yoe = y - era * 400;
  i32 doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  i32 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (i64)era * 146097 + doe - 719468;
}

static i32 days_in_month(i32 year, i32 month) {
  static const u8 DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month != 2) return DAYS[month - 1];
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
}

static i32 two(const u8 *s) { return is_digit(s[0]) && is_digit(s[1]) ? (s[0] - '0') * 10 + (s[1] - '0') : -1; }
static i32 four(const u8 *s) { i32 a = two(s), b = two(s + 2); return a < 0 || b < 0 ? -1 : a * 100 + b; }

// `2019-05-30T08:20:42.230Z`, the spelling parseRfc3339Millis (rfc3339.ts) reads: epoch ms, or -1 (the TypeScript
// path reads every other spelling).
static double rfc3339_ms(const u8 *s, u32 len) {
  if (len != 24) return -1;
  u8 t = s[10], z = s[23];
  if ((z != 'Z' && z != 'z') || s[19] != '.' || (t != 'T' && t != 't' && t != ' ')) return -1;
  if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return -1;
  i32 year = four(s), month = two(s + 5), day = two(s + 8), hour = two(s + 11), minute = two(s + 14), second = two(s + 17);
  i32 ms = two(s + 20);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return -1;
  if (ms < 0 || !is_digit(s[22]) || day > days_in_month(year, month)) return -1;
  ms = ms * 10 + (s[22] - '0');
  return (double)(((days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60000 + second * 1000 + ms);
}

static const char WEEKDAYS[] = "ThuFriSatSunMonTueWed"; // from 1970-01-01, a Thursday
static const char MONTHS[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

// `Mon Jan  5 08:20:42 2026`, `%a %b %e %H:%M:%S %Y` exactly as it prints (strftime.ts's canonical text, weekday
// right): epoch ms, or -1.
static double ctime_ms(const u8 *s, u32 len) {
  if (len != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ') return -1;
  i32 month = 0;
  while (month < 12 && !same(s + 4, (const u8 *)MONTHS + 3 * month, 3)) month++;
  if (month == 12) return -1;
  month++;
  i32 day = s[8] == ' ' ? (is_digit(s[9]) && s[9] != '0' ? s[9] - '0' : -1) : (s[8] != '0' ? two(s + 8) : -1);
  i32 hour = two(s + 11), minute = two(s + 14), second = two(s + 17), year = four(s + 20);
  if (day < 1 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  if (day > days_in_month(year, month)) return -1;
  i64 days = days_from_civil(year, month, day);
  i32 weekday = (i32)(((days % 7) + 7) % 7);
  if (!same(s, (const u8 *)WEEKDAYS + 3 * weekday, 3)) return -1;
  return (double)(((days * 24 + hour) * 60 + minute) * 60000 + second * 1000);
}

// A JSON document inside a string's content, read as EscapedDocument (escaped-document.ts) reads it: only the escapes
// such a document needs, no whitespace. `end` is the string's closing quote.
static u32 doc_value(const u8 *s, u32 i, u32 end, int depth);

static u32 doc_string(const u8 *s, u32 j, u32 end) {
  for (;;) {
    while (j < end && s[j] != '\\') j++;
    if (j >= end) return 0;
    u8 d = s[j + 1];
    if (d == '"') return j + 2;
    if (d == '/') { j += 2; continue; }
    if (d != '\\') return 0;
    u8 e = s[j + 2];
    if (e == '\\') {
      u8 f = s[j + 3];
      if (f != '"' && f != '\\' && f != '/') return 0;
      j += 4;
    } else if (e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't' || e == '/') {
      j += 3;
    } else if (e == 'u' && is_hex(s[j + 3]) && is_hex(s[j + 4]) && is_hex(s[j + 5]) && is_hex(s[j + 6])) {
      j += 7;
    } else {
      return 0;
    }
  }
}

static u32 doc_container(const u8 *s, u32 i, u32 end, int depth, int object) {
  if (depth >= 64) return 0;
  u8 close = object ? '}' : ']';
  i++;
  if (s[i] == close) return i + 1;
  for (;;) {
    if (object) {
      if (s[i] != '\\' || s[i + 1] != '"') return 0;
      i = doc_string(s, i + 2, end);
      if (!i || s[i] != ':') return 0;
      i++;
    }
    i = doc_value(s, i, end, depth + 1);
    if (!i) return 0;
    if (s[i] == close) return i + 1;
    if (s[i] != ',') return 0;
    i++;
  }
}

static u32 doc_value(const u8 *s, u32 i, u32 end, int depth) {
  u8 c = s[i];
  if (c == '\\') return s[i + 1] == '"' ? doc_string(s, i + 2, end) : 0;
  if (c == '{') return doc_container(s, i, end, depth, 1);
  if (c == '[') return doc_container(s, i, end, depth, 0);
  if (c == '"') return 0;
  int kind, flag;
  return scalar_end(s, i, &kind, &flag);
}

static int is_document(const u8 *s, u32 start, u32 end) {
  return (s[start] == '{' || s[start] == '[') && doc_value(s, start, end, 0) == end;
}

// The content s[from, to) of a string is a number as JSON writes it; `integer`: an int64 as int64Text (field-check.ts)
// writes it, no sign but a minus, no leading zero, and short enough to need no range check.
static int number_text(const u8 *s, u32 from, u32 to, int integer) {
  int whole;
  if (number_end(s, from, &whole) != to) return 0;
  if (!integer) return 1;
  u32 digits = to - from - (s[from] == '-');
  return whole && digits < 19 && !(s[from] == '-' && s[from + 1] == '0');
}

// The record written so far: out[0, o) holds the line up to `from`, with the coerced values before it.
// `edits` counts the values coerced; the first VIEW_EDITS of them are noted, as (from, to, kind) in `notes`, for a
// record that stays a view of the line with its edits; `document`: one of them is a decoded document, which never does.
typedef struct { u8 *out; u32 o; u32 from; u32 edits; i32 *notes; int document; } Writer;

// As record-output.ts's MAX_VIEW_EDITS: up to this many coerced values, a record stays a view of the line.
#define VIEW_EDITS 4
// What a noted edit writes in place of the value: null, the value between quotes, the value without its quotes.
enum { E_NULL = 1, E_QUOTE, E_UNQUOTE };

static void coerced(Writer *w, i32 kind, u32 from, u32 to) {
  if (w->edits < VIEW_EDITS) {
    w->notes[3 * w->edits] = (i32)from;
    w->notes[3 * w->edits + 1] = (i32)to;
    w->notes[3 * w->edits + 2] = kind;
  }
  w->edits++;
}

// Writes the line up to `to`, then `n` bytes of `text`, and goes on from `next`.
static void edit(Writer *w, const u8 *s, u32 to, const u8 *text, u32 n, u32 next) {
  __builtin_memcpy(w->out + w->o, s + w->from, to - w->from);
  w->o += to - w->from;
  __builtin_memcpy(w->out + w->o, text, n);
  w->o += n;
  w->from = next;
}

// From civil.ts's inverse (H. Hinnant): the date of a day count from 1970-01-01.
static void civil_from_days(i64 days, i32 *year, i32 *month, i32 *day) {
  i64 z = days + 719468;
  i64 era = (z >= 0 ? z : z - 146096) / 146097;
  i32 doe = (i32)(z - era * 146097);
  i32 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  i32 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  i32 mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = (i32)(yoe + era * 400) + (*month <= 2);
}

static u32 digits(u8 *out, u32 o, i32 value, i32 count) {
  for (i32 k = count - 1; k >= 0; k--, value /= 10) out[o + k] = (u8)('0' + value % 10);
  return o + count;
}

// The end of year 9999: Date#toISOString writes later years with six digits (iso-time.ts writes them its way).
static const i64 ISO_MAX_MS = 253402300799999LL;

// `ms` (not before 1970: the core declines earlier times) as Date#toISOString writes it, `2019-05-30T08:20:42.230Z`,
// as iso-time.ts writes it.
static u32 iso(u8 *out, u32 o, i64 ms) {
  i64 days = ms / 86400000;
  i32 rest = (i32)(ms - days * 86400000);
  i32 year, month, day;
  civil_from_days(days, &year, &month, &day);
  o = digits(out, o, year, 4);
  out[o++] = '-';
  o = digits(out, o, month, 2);
  out[o++] = '-';
  o = digits(out, o, day, 2);
  out[o++] = 'T';
  o = digits(out, o, rest / 3600000, 2);
  out[o++] = ':';
  o = digits(out, o, rest / 60000 % 60, 2);
  out[o++] = ':';
  o = digits(out, o, rest / 1000 % 60, 2);
  out[o++] = '.';
  o = digits(out, o, rest % 1000, 3);
  out[o++] = 'Z';
  return o;
}

// The row counter in lower-case hex, no leading zeros, as ByteArena#hex writes it.
static u32 hex(u8 *out, u32 o, u64 value) {
  u32 count = 1;
  for (u64 v = value; v >= 16; v >>= 4) count++;
  for (u32 k = count; k-- > 0; value >>= 4) out[o + k] = "0123456789abcdef"[value & 15];
  return o + count;
}

static u32 piece(u8 *out, u32 o, const i32 *parts, i32 k) {
  __builtin_memcpy(out + o, (const u8 *)parts + parts[k], (u32)parts[3 + k]);
  return o + (u32)parts[3 + k];
}

// Reads the line s[0, n) (s[n] == 0) against the program; returns -1 to decline it. Else it returns the length of
// what it wrote to `out`: the record up to its closing brace (not included) with its coerced values, unless it stays
// a view of the line (unedited, or with at most VIEW_EDITS edits and no document); then, when the record has an event
// time, the enricher's first standard fields (Enricher#fixed in enrich.ts): `parts` holds their three constant texts
// (offsets [0..2] and lengths [3..5] from `parts`), around the row counter `row`, the event time and the parse time
// `parse_ms`. It sets per member ranges[2m, 2m+1] (the offsets of its indicator value in the line, else -1); event[0],
// the record's event time (the first event-time field in schema order that is set; -1: none); and in `state`:
//   [0] the line holds non-ASCII characters; [1] how many values were coerced;
//   [2] 1 when the standard fields were written; [3] the length of the record's own text in `out` (0: a view);
//   [4..] per edit of a view, its (from, to, kind): E_NULL, E_QUOTE or E_UNQUOTE.
__attribute__((export_name("read_line")))
i32 read_line(const i32 *program, const u8 *s, u32 n, u8 *out, i32 *ranges, i32 *state, const i32 *parts, double row, double parse_ms, double *event) {
  const u8 *base = (const u8 *)program;
  i32 count = program[0];
  const i32 *member = program + 3;
  Writer w = {out, 0, 0, 0, state + 4, 0};
  u32 i = 0;
  i32 event_rank = 0x7fffffff;
  double event_ms = -1;
  non_ascii = 0;
  for (i32 m = 0; m < count; m++, member += 5) {
    u32 piece = (u32)member[1];
    if (!same(s + i, base + member[0], piece)) return -1;
    i += piece;
    i32 op = member[2], flags = member[3];
    int kind, flag;
    ranges[2 * m] = -1;
    ranges[2 * m + 1] = -1;
    if (op == OP_STRINGS && s[i] == '[') {
      if (!(i = strings_end(s, i))) return -1;
      continue;
    }
    u32 end = scalar_end(s, i, &kind, &flag);
    if (!end) return -1;
    if (op == OP_ANY) {
      i = end;
      continue;
    }
    if (kind == K_NULL) {
      if (flags & F_REQUIRED) return -1;
      i = end;
      continue;
    }
    // A string in a field of another type: "" is null in an optional field; a number or boolean loses its quotes.
    if (kind == K_STRING && op != OP_STRING && !flag && (end - i == 2 || op == OP_BIGINT || op == OP_FLOAT || op == OP_BOOLEAN)) {
      if (end - i == 2) {
        if (flags & F_REQUIRED) return -1;
        edit(&w, s, i, (const u8 *)"null", 4, end);
        coerced(&w, E_NULL, i, end);
      } else if (((op == OP_BIGINT || op == OP_FLOAT) && number_text(s, i + 1, end - 1, op == OP_BIGINT)) || (op == OP_BOOLEAN && (literal(s, i, "\"true\"", 6) || literal(s, i, "\"false\"", 7)))) {
        edit(&w, s, i, s + i + 1, end - i - 2, end);
        coerced(&w, E_UNQUOTE, i, end);
      } else {
        return -1;
      }
      i = end;
      continue;
    }
    switch (op) {
      case OP_STRING:
        if (kind == K_NUMBER) {
          // Quoted: the line up to the number, a quote, the number, then its closing quote written with what follows.
          edit(&w, s, i, (const u8 *)"\"", 1, i);
          edit(&w, s, end, (const u8 *)"\"", 1, end);
          coerced(&w, E_QUOTE, i, end);
          if (flags & F_INDICATOR) { ranges[2 * m] = (i32)i; ranges[2 * m + 1] = (i32)end; }
          break;
        }
        if (kind != K_STRING) return -1;
        if (flags & F_INDICATOR) {
          if (flag) return -1;
          ranges[2 * m] = (i32)i + 1;
          ranges[2 * m + 1] = (i32)end - 1;
        }
        break;
      case OP_BIGINT:
        if (kind != K_NUMBER || !flag || end - i >= 19) return -1;
        break;
      case OP_FLOAT:
        if (kind != K_NUMBER) return -1;
        break;
      case OP_BOOLEAN:
        if (kind != K_TRUE && kind != K_FALSE) return -1;
        break;
      case OP_RFC3339:
      case OP_CTIME: {
        if (kind != K_STRING || flag) return -1;
        double ms = op == OP_RFC3339 ? rfc3339_ms(s + i + 1, end - i - 2) : ctime_ms(s + i + 1, end - i - 2);
        if (ms < 0) return -1;
        if (member[4] >= 0 && member[4] < event_rank) { event_rank = member[4]; event_ms = ms; }
        break;
      }
      case OP_JSON:
        if (kind != K_STRING || !flag || !is_document(s, i + 1, end - 1)) return -1;
        // Without the string's quotes, each escape's backslash dropped.
        edit(&w, s, i, (const u8 *)"", 0, end);
        coerced(&w, 0, i, end);
        w.document = 1;
        for (u32 k = i + 1; k < end - 1; k++) out[w.o++] = s[k] == '\\' ? s[++k] : s[k];
        break;
      default:
        return -1;
    }
    i = end;
  }
  u32 tail = (u32)program[2];
  if (!same(s + i, base + program[1], tail) || i + tail != n || s[n - 1] != '}') return -1;
  state[0] = non_ascii;
  state[1] = (i32)w.edits;
  state[2] = 0;
  event[0] = event_ms;
  if (w.edits > VIEW_EDITS || w.document) edit(&w, s, n - 1, (const u8 *)"", 0, n - 1);
  else w.o = 0;
  state[3] = (i32)w.o;
  // Times after year 9999 (a leap second at its very end) are the enricher's to write, as Date#toISOString does.
  if (event_ms < 0 || event_ms > ISO_MAX_MS || parse_ms < 0 || parse_ms > ISO_MAX_MS) return (i32)w.o;
  u32 o = piece(out, w.o, parts, 0);
  o = hex(out, o, (u64)row);
  o = piece(out, o, parts, 1);
  o = iso(out, o, (i64)event_ms);
  o = piece(out, o, parts, 2);
  o = iso(out, o, (i64)parse_ms);
  out[o++] = '"';
  state[2] = 1;
  return (i32)o;
}
