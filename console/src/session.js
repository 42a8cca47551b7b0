// The signed-in key and namespace, kept in sessionStorage: gone when the tab closes, never in a cookie.

const KEY = "memrag.key";
const NAMESPACE = "memrag.namespace";
const JOB_LABELS = "memrag.job-labels"; // job id → what this tab sent (the server's list has no names)

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
  jobLabel: (jobId) => labels()[jobId] ?? null,
  labelJob(jobId, label) {
    const kept = Object.entries(labels()).slice(-49); // the newest 50
    sessionStorage.setItem(JOB_LABELS, JSON.stringify(Object.fromEntries([...kept, [jobId, label]])));
  },
};

const labels = () => JSON.parse(sessionStorage.getItem(JOB_LABELS) || "{}");
