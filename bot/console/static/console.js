// Adviser console: keeps the queue and the case page up to date without reloading.
// Loaded as an external file (the Content-Security-Policy allows no inline script).
// Every text from the server is put in the page with textContent, never as HTML.
"use strict";

(function () {
  var POLL_MS = 3000;
  var body = document.body;
  var page = body.getAttribute("data-page");
  var pollUrl = body.getAttribute("data-poll");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function showPollError(visible) {
    var box = document.getElementById("poll-error");
    if (box) box.hidden = !visible;
  }

  function poll(url, onData) {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 401) {
          return response.json().then(function (data) {
            window.location.assign((data && data.login) || "/login");
            return null;
          });
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (data) {
          showPollError(false);
          // the console answers, but Rasa may not: that is a banner of its own
          var engineDown = document.getElementById("engine-down");
          if (engineDown && typeof data.engine_ok === "boolean") engineDown.hidden = data.engine_ok;
          onData(data);
        }
      })
      .catch(function () {
        showPollError(true);
      });
  }

  // --- the queue ---------------------------------------------------------------------

  function caseLink(reference) {
    var template = body.getAttribute("data-case-url") || "/zaken/REF";
    var link = el("a", null, reference);
    link.href = template.replace("REF", encodeURIComponent(reference));
    return link;
  }

  function claimForm(reference) {
    var template = body.getAttribute("data-claim-url") || "/zaken/REF/oppakken";
    var form = el("form");
    form.method = "post";
    form.action = template.replace("REF", encodeURIComponent(reference));
    var token = el("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrfToken();
    var button = el("button", null, "Oppakken");
    button.type = "submit";
    button.appendChild(el("span", "visually-hidden", " " + reference));
    form.appendChild(token);
    form.appendChild(button);
    return form;
  }

  function caseRow(row) {
    var tr = el("tr", row.acute ? "acute" : "");
    tr.setAttribute("data-reference", row.reference);
    var urgency = el("td");
    urgency.appendChild(el("span", "urgency urgency-" + row.urgency, row.urgency_label));
    tr.appendChild(urgency);
    var ref = el("td");
    ref.appendChild(caseLink(row.reference));
    tr.appendChild(ref);
    var status = el("td", null, row.status_label);
    if (row.live) {
      status.appendChild(document.createTextNode(" "));
      status.appendChild(el("span", "live", "live"));
    }
    tr.appendChild(status);
    tr.appendChild(el("td", "waited", row.waiting));
    tr.appendChild(el("td", null, row.help_mode_label));
    tr.appendChild(el("td", null, [row.sector, row.role].filter(Boolean).join(", ")));
    tr.appendChild(el("td", null, (row.themes || []).join(", ")));
    tr.appendChild(el("td", null, row.adviser || "-"));
    var action = el("td");
    if (row.claimable) action.appendChild(claimForm(row.reference));
    tr.appendChild(action);
    return tr;
  }

  function groupRow(label) {
    var tr = el("tr", "group");
    var th = el("th", null, label);
    th.scope = "colgroup";
    th.colSpan = 9;
    tr.appendChild(th);
    return tr;
  }

  function fillTable(id, rows) {
    var table = document.getElementById(id);
    var tbody = table ? table.querySelector("tbody") : null;
    if (!tbody) return;
    var grouped = table.getAttribute("data-grouped") === "true";
    var fresh = document.createDocumentFragment();
    var group = null;
    rows.forEach(function (row) {
      if (grouped && row.group !== group) {
        group = row.group;
        fresh.appendChild(groupRow(group));
      }
      fresh.appendChild(caseRow(row));
    });
    if (!rows.length) {
      var tr = el("tr", "empty");
      var td = el("td", null, tbody.getAttribute("data-empty"));
      td.colSpan = 9;
      tr.appendChild(td);
      fresh.appendChild(tr);
    }
    // Keep keyboard focus if it was inside a row that is still there.
    var focused = document.activeElement;
    var focusedRef = null;
    if (focused && tbody.contains(focused)) {
      var holder = focused.closest("tr");
      focusedRef = holder ? holder.getAttribute("data-reference") : null;
    }
    tbody.replaceChildren(fresh);
    if (focusedRef) {
      var again = tbody.querySelector('tr[data-reference="' + CSS.escape(focusedRef) + '"] a');
      if (again) again.focus();
    }
  }

  function setText(id, value) {
    var node = document.getElementById(id);
    if (node) node.textContent = String(value);
  }

  // A paged list's "Vorige" and "Volgende" (the server gives their addresses).
  function updatePager(id, page) {
    var nav = document.getElementById(id + "-pager");
    if (!nav || !page) return;
    nav.hidden = page.pages < 2;
    nav.querySelector(".page-number").textContent = String(page.number);
    nav.querySelector(".page-count").textContent = String(page.pages);
    nav.querySelector(".page-total").textContent = String(page.total);
    [["previous", page.previous], ["next", page.next]].forEach(function (pair) {
      var link = nav.querySelector("a." + pair[0]);
      link.hidden = !pair[1];
      if (pair[1]) link.setAttribute("href", pair[1]);
    });
  }

  var knownInChat = null;
  var knownWaiting = null;

  function updateQueue(data) {
    var inChat = data.in_chat || [];
    fillTable("in-chat", inChat);
    fillTable("waiting", data.waiting || []);
    fillTable("open", data.open || []);
    updatePager("waiting", data.waiting_page);
    updatePager("open", data.open_page);
    var waiting = data.waiting_page ? data.waiting_page.total : (data.waiting || []).length;
    setText("in-chat-count", inChat.length);
    setText("waiting-count", waiting);
    setText("open-count", data.open_page ? data.open_page.total : (data.open || []).length);
    setText("due-count", data.follow_ups_due);
    setText("online-count", data.online);
    setText("updated", data.updated);
    var all = inChat.length + waiting;
    document.title = (all ? "(" + all + ") " : "") + "Wachtrij - Advieslijn";
    if (knownInChat !== null && inChat.length > knownInChat) {
      setText("announce", "Er wacht iemand in de chat.");
    } else if (knownWaiting !== null && waiting > knownWaiting) {
      var acute = (data.waiting || []).some(function (row) {
        return row.acute;
      });
      setText("announce", acute ? "Nieuwe vraag in de wachtrij, er is een acute vraag." :
        "Nieuwe vraag in de wachtrij.");
    }
    knownInChat = inChat.length;
    knownWaiting = waiting;
  }

  // --- the case page -----------------------------------------------------------------

  var after = Number(body.getAttribute("data-after") || "0");
  var pageState = body.getAttribute("data-state");
  var live = body.getAttribute("data-live") === "true";

  // While the conversation is live, the transcript shows its newest message (the
  // start of a long conversation would otherwise fill the box and hide what comes in).
  function showNewest() {
    var list = document.getElementById("conversation");
    if (list && live) list.scrollTop = list.scrollHeight;
  }

  function addEvent(event) {
    var tbody = document.getElementById("events");
    if (tbody && !tbody.querySelector('tr[data-id="' + Number(event.id) + '"]')) {
      var tr = el("tr");
      tr.setAttribute("data-id", String(event.id));
      tr.appendChild(el("td", null, event.at));
      tr.appendChild(el("td", null, event.kind_label));
      tr.appendChild(el("td", null, event.actor));
      var detail = event.detail && event.text ? event.detail + ": " : event.detail || "";
      tr.appendChild(el("td", null, detail + (event.text || "")));
      tbody.appendChild(tr);
    }
    if (event.kind === "message") {
      var list = document.getElementById("conversation");
      if (list) {
        var li = el("li", "line who-" + (event.who === "user" ? "user" : "adviser"));
        li.appendChild(el("span", "speaker", event.actor));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "time", event.at));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "text", event.text));
        list.appendChild(li);
        showNewest();
      }
    }
  }

  function updateCase(data) {
    (data.events || []).forEach(function (event) {
      if (event.id > after) {
        addEvent(event);
        after = event.id;
      }
    });
    if (typeof data.live === "boolean") live = data.live;
    setText("case-status", data.status_label);
    if (data.state !== pageState) {
      var notice = document.getElementById("changed");
      if (notice) notice.hidden = false;
    }
  }

  // --- forms that need a confirmation ----------------------------------------------------

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  if (page === "queue" && pollUrl) {
    var tick = function () {
      poll(pollUrl + window.location.search, updateQueue); // the same pages as shown
    };
    tick();
    window.setInterval(tick, POLL_MS);
  } else if (page === "case" && pollUrl) {
    showNewest();
    window.setInterval(function () {
      poll(pollUrl + "?after=" + encodeURIComponent(String(after)), updateCase);
    }, POLL_MS);
  }
})();
