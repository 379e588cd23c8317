//! A tiny std-only executor, enough to drive the daemon's async storage trait
//! in tests and benchmarks without tokio.
//!
//! * [`block_on`] runs one future on the calling thread; its waker unparks
//!   that thread (`std::thread::park` may return spuriously, so the future is
//!   simply polled again).
//! * [`Executor`] runs spawned `Send` tasks on a few OS threads that share one
//!   run queue. A woken task goes back on the queue and is taken by whichever
//!   worker is free, so a task can move between threads between two `.await`s
//!   -- as on the daemon's multi-threaded runtime. [`yield_now`] forces that.
//! * A task that panics does not take a worker down: the panic is caught and
//!   handed to whoever joins the task ([`JoinHandle::join`] resumes it).

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle as ThreadHandle, Thread};

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `fut` to completion on the current thread and returns its output.
/// The thread sleeps (`park`) while the future is pending; its waker unparks
/// it. An unpark that arrives before the park is not lost (park's token).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

/// A future that is pending once (waking itself at once) and then ready: on
/// an [`Executor`] the task goes back to the shared queue and may resume on
/// another worker thread.
pub fn yield_now() -> YieldNow {
    YieldNow(false)
}

/// See [`yield_now`].
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

struct Queue {
    tasks: Mutex<(VecDeque<Arc<Task>>, bool)>, // (run queue, shutting down)
    ready: Condvar,
}

struct Task {
    future: Mutex<Option<BoxFuture>>,
    /// Set while the task is on the run queue, so a burst of wakes queues it once.
    queued: AtomicBool,
    queue: Arc<Queue>,
}

impl Task {
    fn schedule(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut q = self.queue.tasks.lock().unwrap();
        q.0.push_back(self.clone());
        drop(q);
        self.queue.ready.notify_one();
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.schedule();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.schedule();
    }
}

/// A pool of worker threads running spawned tasks. Dropping it stops the
/// workers after the task each is polling; tasks not finished by then are
/// dropped (join their handles first).
pub struct Executor {
    queue: Arc<Queue>,
    workers: Vec<ThreadHandle<()>>,
}

impl Executor {
    /// Starts `threads` worker threads (at least 1).
    pub fn new(threads: usize) -> Executor {
        let queue = Arc::new(Queue { tasks: Mutex::new((VecDeque::new(), false)), ready: Condvar::new() });
        let workers = (0..threads.max(1))
            .map(|i| {
                let q = queue.clone();
                thread::Builder::new()
                    .name(format!("lmkv-exec-{i}"))
                    .spawn(move || worker(q))
                    .expect("spawn executor worker")
            })
            .collect();
        Executor { queue, workers }
    }

    /// Spawns `fut` on the pool; the handle yields its output (a future, or
    /// [`JoinHandle::join`] from a plain thread).
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let slot = Arc::new(JoinSlot { state: Mutex::new((None, None)), done: Condvar::new() });
        let s2 = slot.clone();
        let wrapped = async move {
            let mut fut = pin!(fut);
            // Polls under catch_unwind so a panicking task reports instead of
            // killing the worker thread.
            let out = std::future::poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
                Ok(Poll::Pending) => Poll::Pending,
                Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
                Err(p) => Poll::Ready(Err(p)),
            })
            .await;
            let mut st = s2.state.lock().unwrap();
            st.0 = Some(out);
            let w = st.1.take();
            drop(st);
            s2.done.notify_all();
            if let Some(w) = w {
                w.wake();
            }
        };
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(wrapped))),
            queued: AtomicBool::new(false),
            queue: self.queue.clone(),
        });
        task.schedule();
        JoinHandle { slot }
    }

    /// Runs `fut` on the pool and blocks the calling thread until it is done.
    pub fn block_on<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn(fut).join()
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.queue.tasks.lock().unwrap().1 = true;
        self.queue.ready.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        // Break the Task -> Queue -> Task cycles of tasks never finished.
        self.queue.tasks.lock().unwrap().0.clear();
    }
}

fn worker(queue: Arc<Queue>) {
    loop {
        let task = {
            let mut q = queue.tasks.lock().unwrap();
            loop {
                if q.1 {
                    return;
                }
                if let Some(t) = q.0.pop_front() {
                    break t;
                }
                q = queue.ready.wait(q).unwrap();
            }
        };
        task.queued.store(false, Ordering::Release);
        let waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&waker);
        // Another worker cannot poll the same task at once: the future sits
        // behind a mutex, and a wake during this poll re-queues the task to
        // be polled again afterwards.
        let mut slot = task.future.lock().unwrap();
        if let Some(fut) = slot.as_mut() {
            if fut.as_mut().poll(&mut cx).is_ready() {
                *slot = None;
            }
        }
    }
}

type TaskResult<T> = Result<T, Box<dyn std::any::Any + Send + 'static>>;

struct JoinSlot<T> {
    state: Mutex<(Option<TaskResult<T>>, Option<Waker>)>,
    done: Condvar,
}

/// The handle of a spawned task.
pub struct JoinHandle<T> {
    slot: Arc<JoinSlot<T>>,
}

impl<T> JoinHandle<T> {
    /// Blocks the calling thread until the task finishes and returns its
    /// output; if the task panicked, the panic resumes here.
    pub fn join(self) -> T {
        let mut st = self.slot.state.lock().unwrap();
        loop {
            if let Some(r) = st.0.take() {
                return r.unwrap_or_else(|p| resume_unwind(p));
            }
            st = self.slot.done.wait(st).unwrap();
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut st = self.slot.state.lock().unwrap();
        match st.0.take() {
            Some(r) => Poll::Ready(r.unwrap_or_else(|p| resume_unwind(p))),
            None => {
                st.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn block_on_ready_and_yield() {
        assert_eq!(block_on(async { 7 }), 7);
        let v = block_on(async {
            yield_now().await;
            yield_now().await;
            42
        });
        assert_eq!(v, 42);
    }

    #[test]
    fn spawn_many_and_join() {
        let ex = Executor::new(3);
        let hs: Vec<_> = (0..100u64)
            .map(|i| {
                ex.spawn(async move {
                    yield_now().await;
                    i * i
                })
            })
            .collect();
        let sum: u64 = hs.into_iter().map(JoinHandle::join).sum();
        assert_eq!(sum, (0..100u64).map(|i| i * i).sum());
    }

    #[test]
    fn tasks_move_between_threads() {
        // With 4 workers and tasks that keep yielding, a task is resumed by
        // whichever worker is free; each task yields until it has been seen
        // on two threads (bounded, so a broken executor fails, not hangs).
        let ex = Executor::new(4);
        let hs: Vec<_> = (0..16)
            .map(|_| {
                ex.spawn(async {
                    let mut seen = HashSet::new();
                    for _ in 0..100_000 {
                        seen.insert(thread::current().id());
                        if seen.len() > 1 {
                            break;
                        }
                        yield_now().await;
                    }
                    seen.len()
                })
            })
            .collect();
        let max = hs.into_iter().map(JoinHandle::join).max().unwrap();
        assert!(max > 1, "no task ever moved to another worker thread");
    }

    #[test]
    fn panic_reaches_joiner() {
        let ex = Executor::new(1);
        let h = ex.spawn(async { panic!("boom") });
        let r = catch_unwind(AssertUnwindSafe(|| h.join()));
        assert!(r.is_err());
        // The worker survived and still runs tasks.
        assert_eq!(ex.block_on(async { 5 }), 5);
    }

    #[test]
    fn join_handle_as_future() {
        let ex = Executor::new(2);
        let inner = ex.spawn(async { 3 });
        assert_eq!(block_on(inner), 3);
    }
}
