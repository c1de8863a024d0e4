// A lean keep-alive JSON client for benchmarks: node:http with a persistent agent, so the figures
// measure the server, not connection setup.
import http from "node:http";

export function client(baseUrl, { connections = 8 } = {}) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const request = (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path: `/api/2.0/mlflow${path}`,
          agent,
          headers: payload
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {},
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200)
              reject(new Error(`${method} ${path} → ${res.statusCode}: ${text.slice(0, 200)}`));
            else resolve(text ? JSON.parse(text) : {});
          });
        },
      );
      req.on("error", reject);
      if (payload) req.write(payload);
      req.end();
    });
  return {
    post: (path, body) => request("POST", path, body),
    get: (path, query) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {}))
        for (const item of [v].flat()) q.append(k, String(item));
      return request("GET", `${path}?${q}`);
    },
    close: () => agent.destroy(),
  };
}
