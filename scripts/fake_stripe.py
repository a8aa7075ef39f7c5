"""A minimal Stripe for benchmarks (not for tests: those use crates/testing/fakes): Checkout
Sessions, their expiry and refunds, form-encoded in, JSON out, as providers.md §1 describes."""
import json, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import parse_qsl

sessions, lock, counter = {}, threading.Lock(), [0]

class Stripe(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        sid = self.path.rsplit("/", 1)[-1]
        with lock:
            s = sessions.get(sid)
        self.answer(200, s) if s else self.answer(404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}})

    def do_POST(self):
        form = dict(parse_qsl(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()))
        with lock:
            counter[0] += 1
            n = counter[0]
            if self.path == "/v1/checkout/sessions":
                total, i = 0, 0
                while f"line_items[{i}][quantity]" in form:
                    total += int(form[f"line_items[{i}][quantity]"]) * int(form[f"line_items[{i}][price_data][unit_amount]"])
                    i += 1
                sid = f"cs_bench_{n}"
                sessions[sid] = {"id": sid, "object": "checkout.session", "status": "open",
                                 "payment_status": "unpaid", "amount_total": total,
                                 "currency": form.get("line_items[0][price_data][currency]"),
                                 "url": f"https://checkout.stripe.com/c/pay/{sid}", "client_secret": None,
                                 "expires_at": int(form.get("expires_at", time.time() + 1800))}
                return self.answer(200, sessions[sid])
            if self.path.endswith("/expire"):
                s = sessions.get(self.path.split("/")[-2])
                if s and s["status"] == "open":
                    s["status"] = "expired"
                    return self.answer(200, s)
                return self.answer(400, {"error": {"type": "invalid_request_error"}})
            if self.path == "/v1/refunds":
                return self.answer(200, {"id": f"re_bench_{n}", "object": "refund", "status": "succeeded",
                                         "amount": int(form.get("amount", 0)), "payment_intent": form.get("payment_intent")})
        self.answer(404, {"error": {"type": "invalid_request_error"}})

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Stripe).serve_forever()
