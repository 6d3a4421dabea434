/* fsync off the event loop without the GIL (group commit, lakehouse/ingest/durable.py).
 *
 * A Python thread that fsyncs must take the GIL back from the busy event loop before it
 * can report, and a thread pool adds a Python-level future hand-off per round: under load
 * that ping-pong cost more CPU than the fsync's own bookkeeping. Here a plain pthread
 * fsyncs a dup of the file descriptor and writes to an eventfd that the loop watches
 * (`loop.add_reader`), so neither side ever waits for the other's lock.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct {
    PyObject_HEAD
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int efd;      /* eventfd the loop reads; -1 once closed */
    int pending;  /* dup'd fd to sync, -1 = none */
    int datasync; /* fdatasync (the file did not grow) instead of fsync */
    off_t drop;   /* once durable, drop the cached pages before this offset */
    int busy;     /* a request was started and not yet collected */
    int done;     /* the thread finished the request */
    int result;   /* errno of the fsync, 0 = durable */
    int stop;
    int started;
} Syncer;

static void *syncer_main(void *arg) {
    Syncer *s = (Syncer *)arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->pending < 0 && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
        if (s->pending < 0) break; /* stop, nothing left to do */
        int fd = s->pending, datasync = s->datasync;
        off_t drop = s->drop;
        s->pending = -1;
        pthread_mutex_unlock(&s->mu);
        int err = (datasync ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : errno;
        /* Clean now, and never read again by ingest: free them (see logfile.py). */
        if (err == 0 && drop > 0) (void)posix_fadvise(fd, 0, drop, POSIX_FADV_DONTNEED);
        close(fd);
        pthread_mutex_lock(&s->mu);
        s->result = err;
        s->done = 1;
        uint64_t one = 1;
        ssize_t w;
        do {
            w = write(s->efd, &one, sizeof one);
        } while (w < 0 && errno == EINTR);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int Syncer_init(Syncer *self, PyObject *args, PyObject *kwds) {
    if (!PyArg_ParseTuple(args, "")) return -1;
    if (self->started) {
        PyErr_SetString(PyExc_RuntimeError, "Syncer is initialised once");
        return -1;
    }
    self->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (self->efd < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    self->pending = -1;
    pthread_mutex_init(&self->mu, NULL);
    pthread_cond_init(&self->cv, NULL);
    int rc = pthread_create(&self->thread, NULL, syncer_main, self);
    if (rc != 0) {
        close(self->efd);
        self->efd = -1;
        errno = rc;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    self->started = 1;
    return 0;
}

static void syncer_stop(Syncer *self) {
    if (!self->started) return;
    pthread_mutex_lock(&self->mu);
    self->stop = 1;
    pthread_cond_signal(&self->cv);
    pthread_mutex_unlock(&self->mu);
    Py_BEGIN_ALLOW_THREADS /* an fsync in flight finishes first */
    pthread_join(self->thread, NULL);
    Py_END_ALLOW_THREADS
    self->started = 0;
    if (self->pending >= 0) close(self->pending);
    self->pending = -1;
    if (self->efd >= 0) close(self->efd);
    self->efd = -1;
}

static void Syncer_dealloc(Syncer *self) {
    syncer_stop(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Syncer_start(Syncer *self, PyObject *args) {
    int fd, datasync = 0;
    long long drop = 0;
    if (!PyArg_ParseTuple(args, "i|pL", &fd, &datasync, &drop)) return NULL;
    if (fd < 0) {
        PyErr_SetString(PyExc_ValueError, "not a file descriptor");
        return NULL;
    }
    if (!self->started || self->busy) {
        PyErr_SetString(PyExc_RuntimeError, self->busy ? "an fsync is already in flight" : "Syncer is closed");
        return NULL;
    }
    /* A dup, so that sealing (closing) the file meanwhile cannot hand the number to another file. */
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) return PyErr_SetFromErrno(PyExc_OSError);
    pthread_mutex_lock(&self->mu);
    self->pending = dup_fd;
    self->datasync = datasync;
    self->drop = (off_t)drop;
    self->done = 0;
    self->busy = 1;
    pthread_cond_signal(&self->cv);
    pthread_mutex_unlock(&self->mu);
    Py_RETURN_NONE;
}

/* None while the fsync runs; then its errno (0 = durable), once. */
static PyObject *Syncer_collect(Syncer *self, PyObject *unused) {
    uint64_t n;
    if (self->efd >= 0) {
        ssize_t r = read(self->efd, &n, sizeof n); /* drain the wake-up; EAGAIN when none */
        (void)r;
    }
    pthread_mutex_lock(&self->mu);
    int done = self->busy && self->done, result = self->result;
    if (done) self->busy = self->done = 0;
    pthread_mutex_unlock(&self->mu);
    if (!done) Py_RETURN_NONE;
    return PyLong_FromLong(result);
}

static PyObject *Syncer_fileno(Syncer *self, PyObject *unused) {
    if (self->efd < 0) {
        PyErr_SetString(PyExc_ValueError, "Syncer is closed");
        return NULL;
    }
    return PyLong_FromLong(self->efd);
}

static PyObject *Syncer_close(Syncer *self, PyObject *unused) {
    syncer_stop(self);
    Py_RETURN_NONE;
}

static PyMethodDef Syncer_methods[] = {
    {"start", (PyCFunction)Syncer_start, METH_VARARGS,
     "start(fd, datasync=False, drop=0): fsync (or fdatasync) a dup of fd on the syncer\n"
     "thread, then drop its cached pages before offset `drop`."},
    {"collect", (PyCFunction)Syncer_collect, METH_NOARGS,
     "collect() -> None while the fsync runs, else its errno (0 = durable)."},
    {"fileno", (PyCFunction)Syncer_fileno, METH_NOARGS, "The eventfd that becomes readable when done."},
    {"close", (PyCFunction)Syncer_close, METH_NOARGS, "Stop the thread (after an fsync in flight)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SyncerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "lakehouse.ingest._syncer.Syncer",
    .tp_basicsize = sizeof(Syncer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Syncer_init,
    .tp_dealloc = (destructor)Syncer_dealloc,
    .tp_methods = Syncer_methods,
    .tp_doc = "One fsync at a time on a native thread, reported through an eventfd.",
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_syncer", "fsync on a native thread (see _syncer.c).", -1, NULL,
};

PyMODINIT_FUNC PyInit__syncer(void) {
    if (PyType_Ready(&SyncerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL) return NULL;
    if (PyModule_AddType(m, &SyncerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
