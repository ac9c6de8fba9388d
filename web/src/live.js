// The real-time channel: one WebSocket per tab (when the stack has one), subscriptions by key, and a
// fallback poller that runs only while the socket is down.
import { currentToken } from "./auth.js";
import { getConfig } from "./config.js";

let socket = null;
let connected = false;
let retryDelay = 500;
const subscriptions = new Map(); // key -> {message, handlers:Set}
const stateListeners = new Set();

function keyOf(message) {
  return JSON.stringify({ execution_id: message.execution_id, workflow_id: message.workflow_id });
}

export function isLive() {
  return connected;
}

export function onLiveState(listener) {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}

function setConnected(value) {
  connected = value;
  stateListeners.forEach((listener) => listener(value));
}

async function connect() {
  const url = getConfig()?.WebSocketUrl;
  if (!url || socket) return;
  const token = await currentToken();
  if (!token) return;
  socket = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
  socket.addEventListener("open", () => {
    retryDelay = 500;
    setConnected(true);
    for (const entry of subscriptions.values()) socket.send(JSON.stringify({ action: "subscribe", ...entry.message }));
  });
  socket.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    for (const entry of subscriptions.values()) entry.handlers.forEach((handler) => handler(message));
  });
  socket.addEventListener("close", () => {
    socket = null;
    setConnected(false);
    if (subscriptions.size) setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  });
}

// Subscribe to {execution_id} | {workflow_id} | {} (all of mine); returns the unsubscribe function.
export function subscribe(message, handler) {
  const key = keyOf(message);
  let entry = subscriptions.get(key);
  if (!entry) {
    entry = { message, handlers: new Set() };
    subscriptions.set(key, entry);
    if (connected) socket.send(JSON.stringify({ action: "subscribe", ...message }));
  }
  entry.handlers.add(handler);
  connect();
  return () => {
    entry.handlers.delete(handler);
    if (!entry.handlers.size) {
      subscriptions.delete(key);
      if (connected) socket.send(JSON.stringify({ action: "unsubscribe", ...message }));
    }
  };
}

export function disconnect() {
  subscriptions.clear();
  if (socket) socket.close();
}

// Calls `tick` every `intervalMs` while the socket is not connected (and never while it is).
export function pollWhileOffline(tick, intervalMs = 1000) {
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    if (!connected) timer = setTimeout(async () => { await tick(); schedule(); }, intervalMs);
  };
  const stop = onLiveState(schedule);
  schedule();
  return () => { clearTimeout(timer); stop(); };
}
