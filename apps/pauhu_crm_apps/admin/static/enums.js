// The API's enumerations (API.md), in the order the page shows them.

export const LIFECYCLE_STAGES = ["subscriber", "lead", "mql", "sql", "opportunity", "customer"];
export const SEGMENTS = ["hot", "warm", "cold"];
export const DEAL_STAGES = ["lead", "qualified", "proposal", "negotiation", "closed_won", "closed_lost"];
export const DEAL_STAGE_LABELS = {
  lead: "Lead",
  qualified: "Qualified",
  proposal: "Proposal",
  negotiation: "Negotiation",
  closed_won: "Won",
  closed_lost: "Lost",
};
export const ACTIVITY_TYPES = ["note", "email", "call", "meeting", "task"];
export const TASK_STATUSES = ["todo", "in_progress", "done"];
export const TASK_PRIORITIES = ["low", "medium", "high"];
export const ICP_TIERS = ["tier-1", "tier-2", "tier-3"];
