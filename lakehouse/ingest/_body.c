/* A request body's events as their exact bytes, in one scan (lakehouse/ingest/body.py).
 *
 * Bronze keeps each event's bytes as received (LAKE-1), so the ingest path needs the byte
 * span of every element of the array body. Re-serialising each decoded event with orjson
 * and comparing cost ~0.6 µs per event; this scan finds the spans directly (memchr over
 * strings, a byte loop over the structure), folds line breaks like `_one_line`, and tells
 * whether any object in an event repeats a key: it counts the `:` of every object member
 * in the span and compares with the entries of the dicts orjson decoded from it (a
 * repeated key collapses into one entry, so the counts differ exactly when one exists).
 *
 * It runs after orjson accepted the body, on the decoded document; on anything it does not
 * recognise it answers None and the Python scan (body.py) decides.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

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
 * A quote ends the string unless an odd number of backslashes precedes it. */
static Py_ssize_t string_end(const char *s, Py_ssize_t i, Py_ssize_t n) {
    Py_ssize_t from = i + 1;
    for (;;) {
        const char *q = memchr(s + from, '"', (size_t)(n - from));
        if (q == NULL) return -1;
        Py_ssize_t at = q - s, back = at;
        while (back > i + 1 && s[back - 1] == '\\') back--;
        if (((at - back) & 1) == 0) return at + 1;
        from = at + 1;
    }
}

/* One element: [start, end) in the body and the object members (`:`) seen in it. */
typedef struct {
    Py_ssize_t start, end, colons;
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

/* Scan one value starting at s[i] (not whitespace) up to where it ends: the first `,` or
 * `]` after it when `in_array`, else the end of the body. Sets the span; returns the
 * index of the terminator (n without one), or -1 when this is not one JSON value's shape. */
static Py_ssize_t scan_value(const char *s, Py_ssize_t i, Py_ssize_t n, int in_array, Span *sp) {
    Py_ssize_t depth = 0, last = -1;
    int complete = 0; /* a whole value was seen at depth 0: only whitespace may follow */
    sp->start = i;
    sp->colons = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (is_ws(c)) {
            if (depth == 0 && last >= 0) complete = 1; /* a bare scalar ended */
            i++;
            continue;
        }
        if (depth == 0 && in_array && (c == ',' || c == ']')) break;
        if (complete) return -1;
        if (c == '"') {
            Py_ssize_t e = string_end(s, i, n);
            if (e < 0) return -1;
            last = i = e;
            if (depth == 0) complete = 1;
            continue;
        }
        if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (--depth < 0) return -1;
            if (depth == 0) complete = 1;
        } else if (c == ':' || c == ',') {
            if (depth == 0) return -1;
            if (c == ':') sp->colons++;
        }
        last = ++i;
    }
    if (depth != 0 || last < 0) return -1;
    sp->end = last;
    return i;
}

static PyObject *split(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "split(body: bytes, doc: list | dict)");
        return NULL;
    }
    PyObject *doc = args[1];
    const char *s = PyBytes_AS_STRING(args[0]);
    Py_ssize_t n = PyBytes_GET_SIZE(args[0]), i = 0;
    while (i < n && is_ws((unsigned char)s[i])) i++;
    int array = PyList_CheckExact(doc);
    if (i >= n || (array ? s[i] != '[' : (!PyDict_CheckExact(doc) || s[i] != '{'))) Py_RETURN_NONE;

    PyObject *raws = PyList_New(0);
    if (raws == NULL) return NULL;
    int unique = 1;
    Span sp;
    if (!array) {
        if (scan_value(s, i, n, 0, &sp) < 0) goto not_mine;
        Py_ssize_t m = members(doc, 0);
        if (m < 0) goto not_mine;
        unique = m == sp.colons;
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
            while (i < n && is_ws((unsigned char)s[i])) i++;
            if (i >= n) goto not_mine;
            if (s[i] == ']' && k == 0) { /* the empty array */
                i++;
                break;
            }
            Py_ssize_t end = scan_value(s, i, n, 1, &sp);
            if (end < 0 || end >= n || k >= count) goto not_mine;
            Py_ssize_t m = members(PyList_GET_ITEM(doc, k), 0);
            if (m < 0) goto not_mine;
            if (m != sp.colons) unique = 0;
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
        while (i < n && is_ws((unsigned char)s[i])) i++;
        if (i != n) goto not_mine;
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

PyMODINIT_FUNC PyInit__body(void) { return PyModule_Create(&moduledef); }
