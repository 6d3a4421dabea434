/* A request body's events as their exact bytes, in one scan (lakehouse/ingest/body.py).
 *
 * Bronze keeps each event's bytes as received (LAKE-1), so the ingest path needs the byte
 * span of every element of the array body. Re-serialising each decoded event with orjson
 * and comparing cost ~0.6 µs per event; this scan finds the spans directly, folds line
 * breaks like `_one_line`, and tells whether any object in an event repeats a key: it
 * counts the object members in the span and compares with the entries of the dicts orjson
 * decoded from it (a repeated key collapses into one entry, so the counts differ exactly
 * when one exists).
 *
 * It runs after orjson accepted the body, on the decoded document; on anything it does not
 * recognise it answers None and the Python scan (body.py) decides.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Deeper decoded values answer None (orjson itself refuses nesting beyond 1024). */
#define MAX_DEPTH 1100

static inline int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Entries of every dict within `v` (itself included); -1 when nested deeper than MAX_DEPTH.
 * Runs no Python code, so the borrowed references stay valid. */
static Py_ssize_t members(PyObject *v, int depth) {
    if (depth > MAX_DEPTH) return -1;
    Py_ssize_t total = 0;
    if (PyDict_CheckExact(v)) {
        total = PyDict_GET_SIZE(v);
        Py_ssize_t pos = 0;
        PyObject *key, *val;
        while (PyDict_Next(v, &pos, &key, &val)) {
            if (PyDict_CheckExact(val) || PyList_CheckExact(val)) {
                Py_ssize_t m = members(val, depth + 1);
                if (m < 0) return -1;
                total += m;
            }
        }
    } else if (PyList_CheckExact(v)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); i++) {
            PyObject *item = PyList_GET_ITEM(v, i);
            if (PyDict_CheckExact(item) || PyList_CheckExact(item)) {
                Py_ssize_t m = members(item, depth + 1);
                if (m < 0) return -1;
                total += m;
            }
        }
    }
    return total;
}

/* Index just past the string whose opening quote is at s[i]; -1 when unterminated.
 * Event bytes are mostly string contents, so 16 bytes at a time look for a quote or a
 * backslash (SSE2, on every x86-64); a backslash skips the character it escapes. */
static Py_ssize_t string_end(const char *s, Py_ssize_t i, Py_ssize_t n) {
    i++;
    for (;;) {
#ifdef __SSE2__
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
        for (; i + 16 <= n; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            int hit = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
            if (hit != 0) {
                i += __builtin_ctz((unsigned)hit);
                break;
            }
        }
#endif
        while (i < n && s[i] != '"' && s[i] != '\\') i++;
        if (i >= n) return -1;
        if (s[i] == '"') return i + 1;
        i += 2;
    }
}

/* One element: [start, end) in the body and the object members in it. */
typedef struct {
    Py_ssize_t start, end, members;
} Span;

/* The element's bytes with line breaks folded to spaces (they can only be whitespace in
 * JSON), as `_one_line` does; a new reference or NULL with an exception. */
static PyObject *span_bytes(const char *s, Span sp) {
    Py_ssize_t len = sp.end - sp.start;
    PyObject *out = PyBytes_FromStringAndSize(s + sp.start, len);
    if (out == NULL) return NULL;
    char *p = PyBytes_AS_STRING(out); /* a new object no one else has seen yet */
    if (memchr(p, '\n', (size_t)len) != NULL || memchr(p, '\r', (size_t)len) != NULL) {
        for (Py_ssize_t k = 0; k < len; k++)
            if (p[k] == '\n' || p[k] == '\r') p[k] = ' ';
    }
    return out;
}

static unsigned char plain[256]; /* bytes of numbers and literals (true, false, null) */

static inline Py_ssize_t skip_ws(const char *s, Py_ssize_t i, Py_ssize_t n) {
    while (i < n && is_ws((unsigned char)s[i])) i++;
    return i;
}

/* Index just past the value starting at s[i], or -1 when it is not one JSON value's shape
 * (scalars are only skipped, not checked: orjson already parsed the body). Adds the
 * members (key: value pairs) of every object in it to *count. Follows the grammar
 * rather than dispatching on every byte: a key is always followed by its colon, a value
 * by a comma or the end of its container, so the branches mostly predict. */
static Py_ssize_t skip_value(const char *s, Py_ssize_t i, Py_ssize_t n, int depth, Py_ssize_t *count) {
    if (i >= n) return -1;
    unsigned char c = (unsigned char)s[i];
    if (c == '"') return string_end(s, i, n);
    if (c == '{' || c == '[') {
        int obj = c == '{';
        if (depth >= MAX_DEPTH) return -1;
        i = skip_ws(s, i + 1, n);
        if (i < n && s[i] == (obj ? '}' : ']')) return i + 1;
        for (;;) {
            if (obj) {
                if (i >= n || s[i] != '"' || (i = string_end(s, i, n)) < 0) return -1;
                i = skip_ws(s, i, n);
                if (i >= n || s[i] != ':') return -1;
                (*count)++;
                i = skip_ws(s, i + 1, n);
            }
            if ((i = skip_value(s, i, n, depth + 1, count)) < 0) return -1;
            i = skip_ws(s, i, n);
            if (i >= n) return -1;
            if (s[i] == ',') {
                i = skip_ws(s, i + 1, n);
                continue;
            }
            return s[i] == (obj ? '}' : ']') ? i + 1 : -1;
        }
    }
    if (!plain[c]) return -1;
    do i++;
    while (i < n && plain[(unsigned char)s[i]]);
    return i;
}

/* The value at s[i] as a span; the index past it, or -1. */
static Py_ssize_t scan_value(const char *s, Py_ssize_t i, Py_ssize_t n, Span *sp) {
    sp->start = i;
    sp->members = 0;
    sp->end = skip_value(s, i, n, 0, &sp->members);
    return sp->end;
}

static PyObject *split(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "split(body: bytes, doc: list | dict)");
        return NULL;
    }
    PyObject *doc = args[1];
    const char *s = PyBytes_AS_STRING(args[0]);
    Py_ssize_t n = PyBytes_GET_SIZE(args[0]), i = skip_ws(s, 0, n);
    int array = PyList_CheckExact(doc);
    if (i >= n || (array ? s[i] != '[' : (!PyDict_CheckExact(doc) || s[i] != '{'))) Py_RETURN_NONE;

    PyObject *raws = PyList_New(0);
    if (raws == NULL) return NULL;
    int unique = 1;
    Span sp;
    if (!array) {
        if (scan_value(s, i, n, &sp) < 0 || skip_ws(s, sp.end, n) != n) goto not_mine;
        Py_ssize_t m = members(doc, 0);
        if (m < 0) goto not_mine;
        unique = m == sp.members;
        PyObject *b = span_bytes(s, sp);
        if (b == NULL || PyList_Append(raws, b) < 0) {
            Py_XDECREF(b);
            goto error;
        }
        Py_DECREF(b);
    } else {
        Py_ssize_t count = PyList_GET_SIZE(doc), k = 0;
        i++; /* past '[' */
        for (;;) {
            i = skip_ws(s, i, n);
            if (i >= n) goto not_mine;
            if (s[i] == ']' && k == 0) { /* the empty array */
                i++;
                break;
            }
            Py_ssize_t end = scan_value(s, i, n, &sp);
            if (end < 0 || k >= count) goto not_mine;
            end = skip_ws(s, end, n);
            if (end >= n || (s[end] != ',' && s[end] != ']')) goto not_mine;
            Py_ssize_t m = members(PyList_GET_ITEM(doc, k), 0);
            if (m < 0) goto not_mine;
            if (m != sp.members) unique = 0;
            PyObject *b = span_bytes(s, sp);
            if (b == NULL || PyList_Append(raws, b) < 0) {
                Py_XDECREF(b);
                goto error;
            }
            Py_DECREF(b);
            k++;
            i = end + 1;
            if (s[end] == ']') break;
        }
        if (k != count) goto not_mine;
        if (skip_ws(s, i, n) != n) goto not_mine;
    }
    PyObject *out = PyTuple_Pack(2, raws, unique ? Py_True : Py_False);
    Py_DECREF(raws);
    return out;
not_mine:
    Py_DECREF(raws);
    Py_RETURN_NONE;
error:
    Py_DECREF(raws);
    return NULL;
}

static PyMethodDef methods[] = {
    {"split", (PyCFunction)(void (*)(void))split, METH_FASTCALL,
     "split(body, doc) -> (raws, unique) or None.\n\n"
     "`doc` is orjson.loads(body), a list or a dict. `raws` holds each event's bytes as in\n"
     "the body (surrounding whitespace dropped, line breaks folded to spaces); `unique` is\n"
     "True when no object in any event repeats a key. None: not a body this scan knows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_body", "Request body to exact event bytes (see _body.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__body(void) {
    for (const char *p = "0123456789+-.eEtruefalsn"; *p; p++) plain[(unsigned char)*p] = 1;
    return PyModule_Create(&moduledef);
}
