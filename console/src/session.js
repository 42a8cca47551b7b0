// The signed-in key and namespace, kept in sessionStorage: gone when the tab closes, never in a cookie.

const KEY = "memrag.key";
const NAMESPACE = "memrag.namespace";
const JOBS = "memrag.jobs";

export const session = {
  key: () => sessionStorage.getItem(KEY),
  namespace: () => sessionStorage.getItem(NAMESPACE),
  signIn(key) {
    sessionStorage.setItem(KEY, key);
  },
  choose(namespace) {
    sessionStorage.setItem(NAMESPACE, namespace);
  },
  signOut() {
    sessionStorage.clear();
  },
  jobs: () => JSON.parse(sessionStorage.getItem(JOBS) || "[]"),
  rememberJob(jobId, label) {
    const jobs = session.jobs().filter((j) => j.id !== jobId);
    jobs.unshift({ id: jobId, label });
    sessionStorage.setItem(JOBS, JSON.stringify(jobs.slice(0, 20)));
  },
};
