/* The ingest hot path in C: `Validator.accept` for the schema subset of schemas/README.md.
 *
 * Python (`lakehouse.ingest.schema_compile.node_spec`) turns each JSON Schema into a
 * tuple tree ("spec"); this module builds a node tree from it and walks it per event,
 * then applies the same tail as the generated Python `accept`: registered
 * (event_name, event_version), timestamp not past `limit` (`…SS.mmmZ` parsed here, other
 * forms by the Python `_ts_within`), payload, PII in
 * identifiers (via the Python `has_pii`, memoised in a set shared with Python), no
 * undeclared fields. It answers only "accepted with no unknown fields" (True) or "not
 * sure" (False): the caller then runs `Validator.check`, which decides and explains.
 * Why C: the generated Python accept was ~4 µs of the ~12 µs of CPU a worker spent per
 * event beyond the bare endpoint; this walk over borrowed references takes ~1.7 µs (most
 * of it dict lookups and the event_id regex, now matched here: see atoms_match).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

#define ABI_VERSION 3 /* bump with any change of the spec layout (validate.py checks it) */

enum { T_STR = 1, T_BOOL = 2, T_NULL = 4, T_OBJ = 8, T_ARR = 16, T_INT = 32, T_NUM = 64 };

/* One atom of a pattern that schema_compile.pattern_atoms compiled: min..max characters
 * (max -1: unbounded) of an ASCII class, bit c of `cls` set for character c. */
typedef struct {
    unsigned char cls[32];
    Py_ssize_t min, max;
} Atom;

typedef struct Node Node;
struct Node {
    int never; /* the schema `false` */
    int types; /* allowed type bits; 0 = any */
    Py_ssize_t min_len, max_len; /* -1 = none */
    PyObject *search;            /* compiled pattern's .search, or NULL */
    Atom *atoms;                 /* the pattern for ASCII strings, or NULL: always `search` */
    Py_ssize_t natoms;
    PyObject *memo;              /* {str: matched} for `search`, or NULL once dropped */
    Py_ssize_t misses, hits;
    PyObject *str_enums;         /* tuple of frozensets of str (const/enum of strings) */
    PyObject *json_enums;        /* tuple of tuples, checked with _json_equal_in */
    PyObject *minimum, *maximum; /* numbers or NULL */
    Py_ssize_t nreq;
    PyObject **req;
    Py_ssize_t nprops;
    PyObject **pkeys;
    Node **pnodes; /* NULL entry = the schema `true` */
    Node *items;
    int has_if;
    Node *if_, *then_, *else_;
};

static void node_free(Node *n) {
    if (n == NULL) return;
    Py_XDECREF(n->search);
    PyMem_Free(n->atoms);
    Py_XDECREF(n->memo);
    Py_XDECREF(n->str_enums);
    Py_XDECREF(n->json_enums);
    Py_XDECREF(n->minimum);
    Py_XDECREF(n->maximum);
    for (Py_ssize_t i = 0; i < n->nreq; i++) Py_XDECREF(n->req[i]);
    PyMem_Free(n->req);
    for (Py_ssize_t i = 0; i < n->nprops; i++) {
        Py_XDECREF(n->pkeys[i]);
        node_free(n->pnodes[i]);
    }
    PyMem_Free(n->pkeys);
    PyMem_Free(n->pnodes);
    node_free(n->items);
    node_free(n->if_);
    node_free(n->then_);
    node_free(n->else_);
    PyMem_Free(n);
}

static PyObject *opt(PyObject *o) { /* None -> NULL, else a new reference */
    if (o == Py_None) return NULL;
    Py_INCREF(o);
    return o;
}

#define SPEC_LEN 16

/* `spec` (a tuple of (32-byte class, min, max)) as a new array in *out; 0, or -1 with an
 * exception. Allocates one spare atom so that a pattern of none (`^$`) is not NULL. */
static int atoms_build(PyObject *spec, Atom **out, Py_ssize_t *n) {
    if (!PyTuple_Check(spec)) {
        PyErr_SetString(PyExc_TypeError, "pattern atoms must be a tuple");
        return -1;
    }
    Py_ssize_t len = PyTuple_GET_SIZE(spec);
    Atom *a = PyMem_Calloc(len + 1, sizeof(Atom));
    if (a == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *t = PyTuple_GET_ITEM(spec, i);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3 || !PyBytes_Check(PyTuple_GET_ITEM(t, 0)) ||
            PyBytes_GET_SIZE(PyTuple_GET_ITEM(t, 0)) != 32) {
            PyErr_SetString(PyExc_TypeError, "a pattern atom must be (32 bytes, min, max)");
            PyMem_Free(a);
            return -1;
        }
        memcpy(a[i].cls, PyBytes_AS_STRING(PyTuple_GET_ITEM(t, 0)), 32);
        a[i].min = PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 1));
        a[i].max = PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 2));
        if (PyErr_Occurred()) {
            PyMem_Free(a);
            return -1;
        }
    }
    *out = a;
    *n = len;
    return 0;
}

/* spec: None (the schema `true`) or (never, types, min_len, max_len, search, str_enums,
 * json_enums, minimum, maximum, required, props, items, if, then, else, atoms); `if` is
 * a 1-tuple (spec,) when present, else None; `atoms` None or what atoms_build takes.
 * Sets *ok = 0 and an exception on error. */
static Node *node_build(PyObject *spec, int *ok) {
    if (spec == Py_None) return NULL;
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != SPEC_LEN) {
        PyErr_SetString(PyExc_TypeError, "schema spec must be None or a 16-tuple");
        *ok = 0;
        return NULL;
    }
    Node *n = PyMem_Calloc(1, sizeof(Node));
    if (n == NULL) {
        PyErr_NoMemory();
        *ok = 0;
        return NULL;
    }
#define ITEM(i) PyTuple_GET_ITEM(spec, i)
    n->never = PyObject_IsTrue(ITEM(0));
    n->types = (int)PyLong_AsLong(ITEM(1));
    n->min_len = PyLong_AsSsize_t(ITEM(2));
    n->max_len = PyLong_AsSsize_t(ITEM(3));
    if (PyErr_Occurred()) goto fail;
    n->search = opt(ITEM(4));
    if (n->search != NULL && (n->memo = PyDict_New()) == NULL) goto fail;
    if (ITEM(15) != Py_None && atoms_build(ITEM(15), &n->atoms, &n->natoms) < 0) goto fail;
    n->str_enums = opt(ITEM(5));
    n->json_enums = opt(ITEM(6));
    n->minimum = opt(ITEM(7));
    n->maximum = opt(ITEM(8));
    PyObject *req = ITEM(9), *props = ITEM(10);
    if (!PyTuple_Check(req) || !PyTuple_Check(props)) {
        PyErr_SetString(PyExc_TypeError, "required and props must be tuples");
        goto fail;
    }
    Py_ssize_t nreq = PyTuple_GET_SIZE(req), nprops = PyTuple_GET_SIZE(props);
    n->req = PyMem_Calloc(nreq + 1, sizeof(PyObject *));
    n->pkeys = PyMem_Calloc(nprops + 1, sizeof(PyObject *));
    n->pnodes = PyMem_Calloc(nprops + 1, sizeof(Node *));
    if (n->req == NULL || n->pkeys == NULL || n->pnodes == NULL) {
        PyErr_NoMemory();
        goto fail; /* counts still 0: node_free indexes nothing */
    }
    n->nreq = nreq;
    for (Py_ssize_t i = 0; i < nreq; i++) {
        n->req[i] = PyTuple_GET_ITEM(req, i);
        Py_INCREF(n->req[i]);
    }
    n->nprops = nprops;
    for (Py_ssize_t i = 0; i < n->nprops; i++) {
        PyObject *kv = PyTuple_GET_ITEM(props, i);
        if (!PyTuple_Check(kv) || PyTuple_GET_SIZE(kv) != 2) {
            PyErr_SetString(PyExc_TypeError, "props must hold (key, spec) pairs");
            goto fail;
        }
        n->pkeys[i] = PyTuple_GET_ITEM(kv, 0);
        Py_INCREF(n->pkeys[i]);
        n->pnodes[i] = node_build(PyTuple_GET_ITEM(kv, 1), ok);
        if (!*ok) goto fail;
    }
    n->items = node_build(ITEM(11), ok);
    if (!*ok) goto fail;
    if (ITEM(12) != Py_None) {
        if (!PyTuple_Check(ITEM(12)) || PyTuple_GET_SIZE(ITEM(12)) != 1) {
            PyErr_SetString(PyExc_TypeError, "if must be None or a 1-tuple");
            goto fail;
        }
        n->has_if = 1;
        n->if_ = node_build(PyTuple_GET_ITEM(ITEM(12), 0), ok);
        if (!*ok) goto fail;
        n->then_ = node_build(ITEM(13), ok);
        if (!*ok) goto fail;
        n->else_ = node_build(ITEM(14), ok);
        if (!*ok) goto fail;
    }
#undef ITEM
    return n;
fail:
    *ok = 0;
    node_free(n);
    return NULL;
}

/* The JSON type of `v` as bits (Draft 2020-12: 1.0 is an integer, booleans are not numbers). */
static inline int type_bits(PyObject *v) {
    if (PyUnicode_CheckExact(v)) return T_STR;
    if (v == Py_None) return T_NULL;
    if (PyBool_Check(v)) return T_BOOL;
    if (PyLong_CheckExact(v)) return T_INT | T_NUM;
    if (PyFloat_CheckExact(v)) {
        double d = PyFloat_AS_DOUBLE(v);
        return (isfinite(d) && floor(d) == d) ? (T_INT | T_NUM) : T_NUM;
    }
    if (PyDict_CheckExact(v)) return T_OBJ;
    if (PyList_CheckExact(v)) return T_ARR;
    return 0;
}

static PyObject *json_equal_in; /* lakehouse.ingest.schema_compile._json_equal_in */

/* 1 when the atoms match all of `s` (ASCII), else 0: re.search's answer for the pattern
 * they came from, because pattern_atoms compiles only patterns where greedy is exact.
 * `$` also matches before a final "\n"; no class holds "\n", so that one is never
 * consumed and the atoms must cover the rest. */
static int atoms_match(const Atom *a, Py_ssize_t n, const Py_UCS1 *s, Py_ssize_t len) {
    if (len > 0 && s[len - 1] == '\n') len--;
    Py_ssize_t p = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t cap = (a[i].max < 0 || a[i].max > len - p) ? len - p : a[i].max, k = 0;
        while (k < cap && (a[i].cls[s[p + k] >> 3] >> (s[p + k] & 7) & 1)) k++;
        if (k < a[i].min) return 0;
        p += k;
    }
    return p == len;
}

#define PATTERN_MEMO_MAX 4096
#define PATTERN_MEMO_TRIAL 8192

/* 1 when the pattern matches somewhere in `v`. Most patterned fields repeat a few values
 * (event_name, country, currency), where a dict lookup is ~10x cheaper than `re`; a field
 * whose values rarely repeat (event_id) drops its memo after a trial instead of paying
 * for the inserts. The answer is a pure function of the string, so the memo changes
 * only the cost, never the result. */
static int pattern_found(Node *n, PyObject *v) {
    /* Non-ASCII strings go to `re`, whose \d also matches other scripts' digits. */
    if (n->atoms != NULL && PyUnicode_IS_ASCII(v))
        return atoms_match(n->atoms, n->natoms, PyUnicode_1BYTE_DATA(v), PyUnicode_GET_LENGTH(v));
    if (n->memo != NULL) {
        PyObject *known = PyDict_GetItemWithError(n->memo, v);
        if (known != NULL) {
            n->hits++;
            return known == Py_True;
        }
        if (PyErr_Occurred()) return -1;
    }
    PyObject *m = PyObject_CallOneArg(n->search, v);
    if (m == NULL) return -1;
    int found = m != Py_None;
    Py_DECREF(m);
    if (n->memo != NULL) {
        if (++n->misses >= PATTERN_MEMO_TRIAL && n->hits < n->misses) {
            Py_CLEAR(n->memo);
        } else {
            if (PyDict_GET_SIZE(n->memo) >= PATTERN_MEMO_MAX) PyDict_Clear(n->memo);
            if (PyDict_SetItem(n->memo, v, found ? Py_True : Py_False) < 0) return -1;
        }
    }
    return found;
}

/* 1 valid, 0 invalid, -1 error. With `present`, counts the declared properties `v` has. */
static int node_valid(Node *n, PyObject *v, Py_ssize_t *present) {
    if (n == NULL) return 1;
    if (n->never) return 0;
    int t = type_bits(v);
    if (n->types && !(n->types & t)) return 0;
    if (n->str_enums != NULL) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(n->str_enums); i++) {
            if (!(t & T_STR)) return 0;
            int r = PySet_Contains(PyTuple_GET_ITEM(n->str_enums, i), v);
            if (r <= 0) return r;
        }
    }
    if (n->json_enums != NULL) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(n->json_enums); i++) {
            PyObject *res =
                PyObject_CallFunctionObjArgs(json_equal_in, v, PyTuple_GET_ITEM(n->json_enums, i), NULL);
            if (res == NULL) return -1;
            int r = PyObject_IsTrue(res);
            Py_DECREF(res);
            if (r <= 0) return r;
        }
    }
    if (t & T_STR) {
        Py_ssize_t len = PyUnicode_GET_LENGTH(v); /* code points, as JSON Schema counts */
        if (n->min_len >= 0 && len < n->min_len) return 0;
        if (n->max_len >= 0 && len > n->max_len) return 0;
        if (n->search != NULL) {
            int found = pattern_found(n, v);
            if (found <= 0) return found;
        }
    } else if (t & T_NUM) {
        if (n->minimum != NULL) {
            int r = PyObject_RichCompareBool(v, n->minimum, Py_LT);
            if (r != 0) return r < 0 ? -1 : 0;
        }
        if (n->maximum != NULL) {
            int r = PyObject_RichCompareBool(v, n->maximum, Py_GT);
            if (r != 0) return r < 0 ? -1 : 0;
        }
    } else if (t & T_OBJ) {
        for (Py_ssize_t i = 0; i < n->nreq; i++) {
            int r = PyDict_Contains(v, n->req[i]);
            if (r <= 0) return r;
        }
        Py_ssize_t count = 0;
        for (Py_ssize_t i = 0; i < n->nprops; i++) {
            PyObject *item = PyDict_GetItemWithError(v, n->pkeys[i]); /* borrowed */
            if (item == NULL) {
                if (PyErr_Occurred()) return -1;
                continue;
            }
            count++;
            Py_INCREF(item); /* an enum check may run Python code; keep the value alive */
            int r = node_valid(n->pnodes[i], item, NULL);
            Py_DECREF(item);
            if (r <= 0) return r;
        }
        if (present != NULL) *present = count;
    } else if ((t & T_ARR) && n->items != NULL) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); i++) {
            PyObject *item = PyList_GET_ITEM(v, i);
            Py_INCREF(item); /* a pattern search could run Python code; keep the item alive */
            int r = node_valid(n->items, item, NULL);
            Py_DECREF(item);
            if (r <= 0) return r;
        }
    }
    if (n->has_if) {
        int r = node_valid(n->if_, v, NULL);
        if (r < 0) return -1;
        return node_valid(r ? n->then_ : n->else_, v, NULL);
    }
    return 1;
}

/* -- timestamps ----------------------------------------------------------------------- */

static long long days_from_civil(long long y, int m, int d) { /* H. Hinnant's algorithm */
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return 29;
    return dim[m - 1];
}

#define TS_OTHER 2

/* For `YYYY-MM-DDTHH:MM:SS.mmmZ` (what SDKs send) with a valid date and time: 1 when at
 * most `limit` seconds after the epoch, else 0. TS_OTHER for any other string, which
 * the Python `_ts_within` decides. */
static int ts_canonical(PyObject *t, double limit) {
    if (!PyUnicode_IS_ASCII(t) || PyUnicode_GET_LENGTH(t) != 24) return TS_OTHER;
    const char *s = (const char *)PyUnicode_DATA(t);
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
        s[23] != 'Z')
        return TS_OTHER;
    static const int digit_at[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22};
    for (size_t i = 0; i < sizeof(digit_at) / sizeof(digit_at[0]); i++) {
        char c = s[digit_at[i]];
        if (c < '0' || c > '9') return TS_OTHER;
    }
#define D(i) (s[i] - '0')
    int year = D(0) * 1000 + D(1) * 100 + D(2) * 10 + D(3);
    int month = D(5) * 10 + D(6), day = D(8) * 10 + D(9);
    int hour = D(11) * 10 + D(12), minute = D(14) * 10 + D(15), second = D(17) * 10 + D(18);
    int ms = D(20) * 100 + D(21) * 10 + D(22);
#undef D
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 59)
        return TS_OTHER;
    long long secs = days_from_civil(year, month, day) * 86400LL + hour * 3600 + minute * 60 + second;
    long long us = secs * 1000000LL + ms * 1000LL;
    /* Below 2**53 the conversion is exact, so this equals Python's `us / 1000000 > limit`. */
    if (us >= (1LL << 53) || us <= -(1LL << 53)) return TS_OTHER;
    return !((double)us / 1e6 > limit);
}

/* -- the Accept object ---------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    Node *envelope;
    Py_ssize_t max_event_bytes;
    PyObject *contracts; /* {(event_name, event_version): index} */
    Node **payloads;
    Py_ssize_t npayloads;
    PyObject *key_name, *key_version, *key_ts, *key_payload;
    PyObject *ids;     /* tuple of identifier field names */
    PyObject *has_pii; /* callable(str) -> bool */
    PyObject *clean;   /* set of identifiers already screened (shared with Python) */
    Py_ssize_t memo_max;
    PyObject *ts_within; /* callable(str, limit) -> bool for other timestamp forms */
    unsigned char trigger[128]; /* ASCII characters without which has_pii is False */
} Accept;

static void Accept_dealloc(Accept *self) {
    node_free(self->envelope);
    for (Py_ssize_t i = 0; i < self->npayloads; i++) node_free(self->payloads[i]);
    PyMem_Free(self->payloads);
    Py_XDECREF(self->contracts);
    Py_XDECREF(self->key_name);
    Py_XDECREF(self->key_version);
    Py_XDECREF(self->key_ts);
    Py_XDECREF(self->key_payload);
    Py_XDECREF(self->ids);
    Py_XDECREF(self->has_pii);
    Py_XDECREF(self->clean);
    Py_XDECREF(self->ts_within);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Accept(envelope_spec, payload_specs: {(name, version): spec}, max_event_bytes, ids,
 *        has_pii, clean, memo_max, ts_within, pii_triggers) */
static int Accept_init(Accept *self, PyObject *args, PyObject *kwds) {
    PyObject *env_spec, *payload_specs, *ids, *has_pii, *clean, *ts_within, *triggers;
    Py_ssize_t max_bytes, memo_max;
    if (!PyArg_ParseTuple(args, "OO!nO!OO!nOU", &env_spec, &PyDict_Type, &payload_specs, &max_bytes,
                          &PyTuple_Type, &ids, &has_pii, &PySet_Type, &clean, &memo_max, &ts_within,
                          &triggers))
        return -1;
    if (!PyUnicode_IS_ASCII(triggers)) {
        PyErr_SetString(PyExc_ValueError, "pii_triggers must be ASCII");
        return -1;
    }
    if (self->envelope != NULL || self->contracts != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Accept is initialised once");
        return -1;
    }
    int ok = 1;
    self->envelope = node_build(env_spec, &ok);
    if (!ok) return -1;
    self->max_event_bytes = max_bytes;
    self->memo_max = memo_max;
    self->contracts = PyDict_New();
    Py_ssize_t n = PyDict_GET_SIZE(payload_specs);
    self->payloads = PyMem_Calloc(n + 1, sizeof(Node *));
    if (self->contracts == NULL || self->payloads == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *key, *spec;
    Py_ssize_t pos = 0;
    while (PyDict_Next(payload_specs, &pos, &key, &spec)) {
        Py_ssize_t i = self->npayloads;
        self->payloads[i] = node_build(spec, &ok);
        if (!ok) return -1;
        self->npayloads++;
        PyObject *idx = PyLong_FromSsize_t(i);
        if (idx == NULL || PyDict_SetItem(self->contracts, key, idx) < 0) {
            Py_XDECREF(idx);
            return -1;
        }
        Py_DECREF(idx);
    }
    self->key_name = PyUnicode_InternFromString("event_name");
    self->key_version = PyUnicode_InternFromString("event_version");
    self->key_ts = PyUnicode_InternFromString("event_ts");
    self->key_payload = PyUnicode_InternFromString("payload");
    if (!self->key_name || !self->key_version || !self->key_ts || !self->key_payload) return -1;
    Py_INCREF(ids);
    self->ids = ids;
    Py_INCREF(has_pii);
    self->has_pii = has_pii;
    Py_INCREF(clean);
    self->clean = clean;
    Py_INCREF(ts_within);
    self->ts_within = ts_within;
    const Py_UCS1 *t = PyUnicode_1BYTE_DATA(triggers);
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(triggers); i++) self->trigger[t[i]] = 1;
    return 0;
}

/* 1 when `v` (a str) is ASCII without a PII trigger character: has_pii would say False
 * without its regex, and this scan is cheaper than the memo's hash and set lookup. */
static int plainly_clean(Accept *self, PyObject *v) {
    if (!PyUnicode_IS_ASCII(v)) return 0;
    const Py_UCS1 *p = PyUnicode_1BYTE_DATA(v);
    for (Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(v); i < n; i++)
        if (self->trigger[p[i]]) return 0;
    return 1;
}

/* 1 accepted with no unknown fields, 0 not sure, -1 error. */
static int accept_one(Accept *self, PyObject *x, Py_ssize_t size, double limit) {
    if (size > self->max_event_bytes || !PyDict_CheckExact(x)) return 0;
    Py_ssize_t present = -1;
    int r = node_valid(self->envelope, x, &present);
    if (r <= 0) return r;
    if (present != PyDict_GET_SIZE(x)) return 0; /* an undeclared envelope field */
    PyObject *name = PyDict_GetItemWithError(x, self->key_name);
    PyObject *version = name ? PyDict_GetItemWithError(x, self->key_version) : NULL;
    PyObject *ts = version ? PyDict_GetItemWithError(x, self->key_ts) : NULL;
    PyObject *payload = ts ? PyDict_GetItemWithError(x, self->key_payload) : NULL;
    if (payload == NULL) return PyErr_Occurred() ? -1 : 0;
    if (!PyUnicode_CheckExact(name) || (type_bits(version) & T_INT) == 0) return 0;
    PyObject *key = PyTuple_Pack(2, name, version);
    if (key == NULL) return -1;
    PyObject *idx = PyDict_GetItemWithError(self->contracts, key);
    Py_DECREF(key);
    if (idx == NULL) return PyErr_Occurred() ? -1 : 0;
    if (!PyUnicode_CheckExact(ts)) return 0;
    r = ts_canonical(ts, limit);
    if (r == TS_OTHER) {
        PyObject *lim = PyFloat_FromDouble(limit);
        if (lim == NULL) return -1;
        Py_INCREF(ts);
        PyObject *res = PyObject_CallFunctionObjArgs(self->ts_within, ts, lim, NULL);
        Py_DECREF(ts);
        Py_DECREF(lim);
        if (res == NULL) return -1;
        r = PyObject_IsTrue(res);
        Py_DECREF(res);
    }
    if (r <= 0) return r;
    if (!PyDict_CheckExact(payload)) return 0;
    present = -1;
    r = node_valid(self->payloads[PyLong_AsSsize_t(idx)], payload, &present);
    if (r <= 0) return r;
    if (present != PyDict_GET_SIZE(payload)) return 0; /* an undeclared payload field */
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(self->ids); i++) {
        PyObject *v = PyDict_GetItemWithError(x, PyTuple_GET_ITEM(self->ids, i));
        if (v == NULL) {
            if (PyErr_Occurred()) return -1;
            continue;
        }
        if (v == Py_None) continue;
        if (!PyUnicode_CheckExact(v)) return 0;
        if (plainly_clean(self, v)) continue;
        r = PySet_Contains(self->clean, v);
        if (r < 0) return -1;
        if (r) continue;
        Py_INCREF(v);
        PyObject *hit = PyObject_CallOneArg(self->has_pii, v);
        Py_DECREF(v);
        if (hit == NULL) return -1;
        r = PyObject_IsTrue(hit);
        Py_DECREF(hit);
        if (r != 0) return r < 0 ? -1 : 0;
        /* `v` is still in the event (has_pii does not touch it), so still alive here. */
        if (PySet_GET_SIZE(self->clean) >= self->memo_max && PySet_Clear(self->clean) < 0) return -1;
        if (PySet_Add(self->clean, v) < 0) return -1;
    }
    return 1;
}

static PyObject *Accept_call(Accept *self, PyObject *args, PyObject *kwds) {
    PyObject *x;
    Py_ssize_t size;
    double limit;
    if (!PyArg_ParseTuple(args, "Ond", &x, &size, &limit)) return NULL;
    int r = accept_one(self, x, size, limit);
    if (r < 0) return NULL;
    return PyBool_FromLong(r);
}

static PyObject *Accept_run(Accept *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyList_CheckExact(args[0]) || !PyList_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "run(events: list, raws: list[bytes], limit: float, start: int)");
        return NULL;
    }
    double limit = PyFloat_AsDouble(args[2]);
    if (limit == -1.0 && PyErr_Occurred()) return NULL;
    Py_ssize_t start = PyLong_AsSsize_t(args[3]);
    if (start == -1 && PyErr_Occurred()) return NULL;
    PyObject *events = args[0], *raws = args[1];
    Py_ssize_t n = PyList_GET_SIZE(events);
    if (PyList_GET_SIZE(raws) != n) {
        PyErr_SetString(PyExc_ValueError, "events and raws differ in length");
        return NULL;
    }
    if (start < 0 || start > n) {
        PyErr_SetString(PyExc_IndexError, "start is out of range");
        return NULL;
    }
    Py_ssize_t i = start;
    for (; i < n; i++) {
        PyObject *raw = PyList_GET_ITEM(raws, i);
        if (!PyBytes_CheckExact(raw)) {
            PyErr_SetString(PyExc_TypeError, "raws must be bytes");
            return NULL;
        }
        PyObject *event = PyList_GET_ITEM(events, i);
        Py_INCREF(event); /* the PII and timestamp callbacks run Python code */
        int r = accept_one(self, event, PyBytes_GET_SIZE(raw), limit);
        Py_DECREF(event);
        if (r < 0) return NULL;
        if (r == 0) break;
    }
    return PyLong_FromSsize_t(i);
}

static PyMethodDef Accept_methods[] = {
    {"run", (PyCFunction)(void (*)(void))Accept_run, METH_FASTCALL,
     "run(events, raws, limit, start) -> the end of the run of events from `start` on that\n"
     "`accept` says yes to."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject AcceptType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "lakehouse.ingest._accept.Accept",
    .tp_basicsize = sizeof(Accept),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Accept_init,
    .tp_dealloc = (destructor)Accept_dealloc,
    .tp_call = (ternaryfunc)Accept_call,
    .tp_methods = Accept_methods,
    .tp_doc = "accept(event, size, limit) -> True when accepted with no unknown fields; False: not sure.",
};

/* -- Schema: one node tree as a predicate (what the tests hold against jsonschema) ----- */

typedef struct {
    PyObject_HEAD
    Node *root;
    int built;
} Schema;

static void Schema_dealloc(Schema *self) {
    node_free(self->root);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Schema_init(Schema *self, PyObject *args, PyObject *kwds) {
    PyObject *spec;
    if (!PyArg_ParseTuple(args, "O", &spec)) return -1;
    if (self->built) {
        PyErr_SetString(PyExc_RuntimeError, "Schema is initialised once");
        return -1;
    }
    int ok = 1;
    self->root = node_build(spec, &ok);
    self->built = ok;
    return ok ? 0 : -1;
}

static PyObject *Schema_call(Schema *self, PyObject *args, PyObject *kwds) {
    PyObject *x;
    if (!PyArg_ParseTuple(args, "O", &x)) return NULL;
    int r = node_valid(self->root, x, NULL);
    if (r < 0) return NULL;
    return PyBool_FromLong(r);
}

static PyTypeObject SchemaType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "lakehouse.ingest._accept.Schema",
    .tp_basicsize = sizeof(Schema),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Schema_init,
    .tp_dealloc = (destructor)Schema_dealloc,
    .tp_call = (ternaryfunc)Schema_call,
    .tp_doc = "Schema(spec)(instance) -> True when the instance satisfies the schema.",
};

/* pattern_match(atoms, s): the C matcher alone, for the tests to hold against `re`;
 * None for a non-ASCII `s`, which the accept path leaves to `re`. */
static PyObject *pattern_match(PyObject *mod, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "pattern_match(atoms: tuple, s: str)");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(args[1])) Py_RETURN_NONE;
    Atom *a;
    Py_ssize_t n;
    if (atoms_build(args[0], &a, &n) < 0) return NULL;
    int r = atoms_match(a, n, PyUnicode_1BYTE_DATA(args[1]), PyUnicode_GET_LENGTH(args[1]));
    PyMem_Free(a);
    return PyBool_FromLong(r);
}

static PyMethodDef module_methods[] = {
    {"pattern_match", (PyCFunction)(void (*)(void))pattern_match, METH_FASTCALL,
     "pattern_match(atoms, s) -> whether the compiled pattern matches the ASCII `s`; None otherwise."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_accept", "Compiled ingest accept path (see _accept.c).", -1, module_methods,
};

PyMODINIT_FUNC PyInit__accept(void) {
    PyObject *sc = PyImport_ImportModule("lakehouse.ingest.schema_compile");
    if (sc == NULL) return NULL;
    json_equal_in = PyObject_GetAttrString(sc, "_json_equal_in");
    Py_DECREF(sc);
    if (json_equal_in == NULL) return NULL;
    if (PyType_Ready(&AcceptType) < 0 || PyType_Ready(&SchemaType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL) return NULL;
    if (PyModule_AddType(m, &AcceptType) < 0 || PyModule_AddType(m, &SchemaType) < 0 ||
        PyModule_AddIntConstant(m, "ABI_VERSION", ABI_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
