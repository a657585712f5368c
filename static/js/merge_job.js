// The merge page follows a merge running in the background: it polls the job's API address
// and shows its stage; once the job is over the page reloads to show the report (or why not).
const box = document.querySelector("[data-merge-job]");
if (box) {
  const status = box.querySelector("[data-merge-job-status]");
  const progress = box.querySelector("[data-merge-job-progress]");
  const poll = async () => {
    try {
      const answer = await fetch(box.dataset.mergeJob, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (answer.ok) {
        const job = await answer.json();
        if (job.status === "done" || job.status === "failed") {
          window.location.assign(box.dataset.mergePage);
          return;
        }
        if (job.status === "running" && job.stage_label) {
          status.textContent = `${job.stage_label} (${job.stage_number}/${job.stages})…`;
          if (progress) progress.value = (job.stage_number - 0.5) / job.stages;
        }
      }
    } catch {
      // offline for a moment: try again on the next tick
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}
