/*
 * Advieslijn website widget.
 *
 * Embed with ONE script tag and a JSON configuration block (no inline script, so it
 * works under a strict Content-Security-Policy):
 *
 *   <script type="application/json" id="advieslijn-config">
 *     {"socketUrl": "https://chat.example.nl", "socketPath": "/socket.io/", "maxMessageChars": 1000}
 *   </script>
 *   <script src="https://chat.example.nl/widget/advieslijn-widget.js"
 *           data-config="advieslijn-config" defer></script>
 *
 * The chat view is deep-chat (MIT, web component); the connection is socket.io-client to
 * Rasa's socket.io channel (components/channels/socketio.py). Both are served next to
 * this file from web/node_modules (npm ci), never from the internet.
 *
 * Persistence: only a random conversation id, with the time of the last message, is kept
 * in sessionStorage: it survives a reload of the tab and ends with the tab, and after
 * `idleMinutes` (default 30) without a message the next visit or opening of the panel
 * starts a new conversation, so the next user of a shared computer neither sees it nor
 * writes into it. "Nieuw gesprek" ends it at once. The conversation's text comes back
 * from the server (history_request) after a reload; no message text is stored in the
 * browser. An id an older version left in localStorage is removed.
 *
 * Every text from a person (the user, an adviser) is rendered as text: messages are
 * built with DOM nodes and textContent, never by parsing their text as HTML.
 *
 * Wire format: the bot's messages arrive as Rasa's own socket.io output sends them
 * (bot_uttered {text}, {text, quick_replies}, {attachment}), so any standard Rasa client
 * can talk to the same server; a custom payload comes as its own event {custom, parts}
 * just before the `parts` events of its message. The Assembler puts each message back
 * together before it is drawn (the 112 message, resource cards, an adviser's name).
 *
 * Acute danger: the 112 message is scrolled to the top of the message list and kept
 * there while the rest of that turn arrives; the next thing the user sends releases it.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) {
    return;
  }
  var base = new URL(".", script.src);
  var STORAGE_KEY = "advieslijn.conversation";
  var ID_PATTERN = /^[0-9a-f]{32}$/;
  var MINUTE = 60 * 1000;
  // A redaction tag in a stored text, e.g. [PERSOON-1] or [URL-2].
  var REDACTION_TAG = /\[[A-Z]+(?:-\d+)?\]/;
  // How long a custom payload waits for the events it announced before it is drawn anyway.
  var ASSEMBLY_WAIT = 2000;

  function readConfig() {
    var id = script.getAttribute("data-config") || "advieslijn-config";
    var block = document.getElementById(id);
    var config = {};
    if (block) {
      try {
        config = JSON.parse(block.textContent || "{}");
      } catch (error) {
        console.error("Advieslijn: the configuration block is not valid JSON", error);
      }
    }
    return {
      socketUrl: String(config.socketUrl || script.getAttribute("data-socket-url") || ""),
      socketPath: String(config.socketPath || "/socket.io/"),
      maxMessageChars: Number(config.maxMessageChars) || 1000,
      idleMinutes: Number(config.idleMinutes) > 0 ? Number(config.idleMinutes) : 30,
      labelsUrl: String(config.labelsUrl || new URL("labels.nl.json", base))
    };
  }

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (name === "text") {
        node.textContent = String(value);
      } else if (name === "className") {
        node.className = value;
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(child);
      }
    });
    return node;
  }

  function newConversationId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // UUID version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    return Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
  }

  // The stored conversation ({id, at}: the id and the time of its last message), unless
  // it has been idle longer than idleMinutes.
  function storedConversationId(idleMinutes) {
    try {
      window.localStorage.removeItem(STORAGE_KEY); // long-lived id of an older version
      var stored = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (!stored || typeof stored.id !== "string" || !ID_PATTERN.test(stored.id)) {
        return null;
      }
      var idle = Date.now() - Number(stored.at);
      if (!(idle >= 0 && idle < idleMinutes * MINUTE)) {
        window.sessionStorage.removeItem(STORAGE_KEY);
        return null;
      }
      return stored.id;
    } catch (error) {
      return null; // storage blocked: the conversation lasts as long as the page
    }
  }

  function storeConversationId(value) {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ id: value, at: Date.now() }));
    } catch (error) {
      /* storage blocked */
    }
  }

  function safeUrl(value) {
    try {
      var url = new URL(String(value));
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  /* ---- rendering: every message becomes a DOM tree, serialised for deep-chat ---- */

  // Bot text from the domain: blank lines separate paragraphs, lines that start with
  // "- " form a list, other lines keep their line breaks.
  function textBlocks(text) {
    var nodes = [];
    String(text || "")
      .split(/\n\s*\n/)
      .forEach(function (block) {
        var run = null;
        block.split("\n").forEach(function (line) {
          if (!line.trim()) {
            return;
          }
          var item = /^\s*[-*] (.*)$/.exec(line);
          var kind = item ? "ul" : "p";
          if (!run || run.kind !== kind) {
            run = { kind: kind, node: el(kind, { className: item ? "al-list" : "al-text" }) };
            nodes.push(run.node);
          }
          if (item) {
            run.node.appendChild(el("li", { text: item[1] }));
          } else {
            run.node.textContent += (run.node.textContent ? "\n" : "") + line;
          }
        });
      });
    return nodes;
  }

  var URGENT_COUNT = 0;

  function Renderer(labels) {
    this.labels = labels;
  }

  Renderer.prototype.resources = function (items) {
    var labels = this.labels;
    var list = el("ul", { className: "al-cards", "aria-label": labels.resourcesLabel });
    (Array.isArray(items) ? items : []).forEach(function (item) {
      if (!item || typeof item.title !== "string") {
        return;
      }
      var url = safeUrl(item.url);
      var kind = (labels.kinds && labels.kinds[item.kind]) || String(item.kind || "");
      var title = url
        ? el("a", {
            className: "al-card-title",
            href: url,
            target: "_blank",
            rel: "noopener noreferrer",
            text: item.title
          }, [])
        : el("span", { className: "al-card-title", text: item.title });
      if (url) {
        title.appendChild(el("span", { className: "al-sr-only", text: " (" + labels.opensInNewTab + ")" }));
      }
      list.appendChild(
        el("li", { className: "al-card", "data-resource": item.id || null }, [
          el("span", { className: "al-card-kind", text: kind }),
          title
        ])
      );
    });
    return list;
  };

  Renderer.prototype.buttons = function (buttons, answered) {
    if (!Array.isArray(buttons) || !buttons.length) {
      return null;
    }
    return el(
      "div",
      { className: "al-choices", role: "group" },
      buttons.map(function (button) {
        return el("button", {
          type: "button",
          className: "al-choice",
          "data-payload": button.payload,
          disabled: answered,
          text: button.title
        });
      })
    );
  };

  // A bot message (wire format: text, buttons, custom) -> {role, html}
  Renderer.prototype.bot = function (message, answered) {
    var labels = this.labels;
    var custom = message.custom && typeof message.custom === "object" ? message.custom : {};
    var role = "ai";
    var urgent = null;
    var box = el("div", { className: "al-message" });
    if (custom.type === "adviser") {
      role = "adviser";
      box.className += " al-adviser";
      box.appendChild(
        el("p", { className: "al-from" }, [
          el("span", { className: "al-adviser-name", text: String(custom.name || "") }),
          el("span", { className: "al-badge", text: labels.adviserLabel })
        ])
      );
      // an adviser's words are shown exactly as typed
      box.appendChild(el("p", { className: "al-text", text: String(message.text || "") }));
    } else if (custom.type === "resources") {
      // the text lists the same titles for channels without cards: show the cards instead
      box.appendChild(this.resources(custom.items));
    } else if (custom.type === "urgent") {
      urgent = "u" + ++URGENT_COUNT;
      box.className += " al-urgent";
      box.setAttribute("role", "alert");
      box.setAttribute("data-al-urgent", urgent);
      box.appendChild(el("p", { className: "al-urgent-title", text: labels.urgentTitle }));
      textBlocks(message.text).forEach(function (node) {
        box.appendChild(node);
      });
    } else {
      textBlocks(message.text).forEach(function (node) {
        box.appendChild(node);
      });
    }
    if (custom.type === "handoff" && labels.handoff && labels.handoff[custom.stage]) {
      box.appendChild(el("p", { className: "al-handoff", role: "status", text: labels.handoff[custom.stage] }));
    }
    var choices = this.buttons(message.buttons, answered);
    if (choices) {
      box.appendChild(choices);
    }
    return { role: role, html: box.outerHTML, urgent: urgent };
  };

  // A note of the widget itself in the conversation (e.g. why own texts come back redacted)
  Renderer.prototype.notice = function (text) {
    return {
      role: "notice",
      html: el("div", { className: "al-message al-notice" }, [el("p", { className: "al-text", text: text })]).outerHTML
    };
  };

  Renderer.prototype.userNode = function (text) {
    return el("div", { className: "al-message al-user-message" }, [
      el("p", { className: "al-text", text: String(text) })
    ]);
  };

  Renderer.prototype.user = function (text) {
    return { role: "user", html: this.userNode(text).outerHTML };
  };

  /* ---- the wire: Rasa's socket.io events back into whole messages ---- */

  // Collects a bot message's events: a custom payload's event {custom, parts} opens a
  // message of `parts` events; any other event without one is a message of its own.
  // onMessage gets {text, buttons, custom} (texts joined by blank lines, the buttons of
  // the last part), as the Renderer draws it.
  function Assembler(onMessage) {
    this.onMessage = onMessage;
    this.open = null;
    this.timer = null;
  }

  Assembler.prototype.add = function (event) {
    if (!event || typeof event !== "object") {
      return;
    }
    var self = this;
    if (event.custom && typeof event.custom === "object") {
      this.flush();
      var parts = Math.max(0, Math.floor(Number(event.parts) || 0));
      this.open = { custom: event.custom, left: parts, texts: [], buttons: [] };
      if (!parts) {
        this.flush();
      } else {
        // never hold a message back for long: draw it with what came
        this.timer = window.setTimeout(function () {
          self.flush();
        }, ASSEMBLY_WAIT);
      }
      return;
    }
    var message = this.open || { custom: null, left: 1, texts: [], buttons: [] };
    this.open = message;
    if (typeof event.text === "string" && event.text.trim()) {
      message.texts.push(event.text);
    }
    var replies = event.quick_replies || event.buttons;
    if (Array.isArray(replies) && replies.length) {
      message.buttons = replies.filter(function (reply) {
        return reply && typeof reply.title === "string" && typeof reply.payload === "string";
      });
    }
    message.left -= 1;
    if (message.left <= 0) {
      this.flush();
    }
  };

  Assembler.prototype.flush = function () {
    if (this.timer) {
      window.clearTimeout(this.timer);
      this.timer = null;
    }
    var message = this.open;
    this.open = null;
    if (message && (message.texts.length || message.custom || message.buttons.length)) {
      this.onMessage({ text: message.texts.join("\n\n"), buttons: message.buttons, custom: message.custom });
    }
  };

  /* ---- the widget ---- */

  function Widget(config, labels, DeepChat, io) {
    this.config = config;
    this.labels = labels;
    this.io = io;
    this.renderer = new Renderer(labels);
    this.conversation = storedConversationId(config.idleMinutes);
    this.lastActivity = Date.now();
    this.notice = "";
    this.signals = null;
    this.socket = null;
    this.ready = false; // history shown for the current connection
    this.pending = []; // messages that arrived before the history
    this.urgent = null; // the 112 message of the current turn, kept in view
    var self = this;
    this.assembler = new Assembler(function (message) {
      self.receive({ sender: "bot", message: message });
    });
    this.build();
  }

  Widget.prototype.build = function () {
    var labels = this.labels;
    var self = this;
    this.root = el("div", { className: "al-widget", lang: "nl" });
    this.launcher = el("button", {
      type: "button",
      className: "al-launcher",
      "aria-expanded": "false",
      "aria-controls": "al-panel"
    }, [
      el("span", { className: "al-launcher-label", text: labels.launcher }),
      el("span", { className: "al-unread", hidden: true, text: labels.launcherUnread })
    ]);
    this.status = el("p", { className: "al-status", role: "status", text: "" });
    this.counter = el("p", { className: "al-counter", id: "al-counter" });
    this.announcer = el("div", { className: "al-sr-only", "aria-live": "polite" });
    this.closeButton = el("button", { type: "button", className: "al-close", "aria-label": labels.close }, [
      el("span", { "aria-hidden": "true", text: "\u00d7" })
    ]);
    this.resetButton = el("button", { type: "button", className: "al-reset", text: labels.newConversation });
    // the privacy text: in full until the first message, then one line that opens it
    this.privacyToggle = el("button", {
      type: "button",
      className: "al-privacy-toggle",
      "aria-expanded": "true",
      "aria-controls": "al-privacy-text",
      hidden: true,
      text: labels.privacyToggle
    });
    this.privacyText = el("p", { className: "al-privacy-text", id: "al-privacy-text", text: labels.privacy });
    this.privacy = el("div", { className: "al-privacy", id: "al-privacy" }, [this.privacyToggle, this.privacyText]);
    this.chat = document.createElement("deep-chat");
    this.chat.className = "al-chat";
    // any font but deep-chat's default keeps it from loading a web font from the internet
    this.chat.style.fontFamily = FONT;
    this.panel = el("section", {
      id: "al-panel",
      className: "al-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": "al-title",
      hidden: true
    }, [
      el("div", { className: "al-header" }, [
        el("h2", { id: "al-title", className: "al-title", text: labels.title }),
        this.resetButton,
        this.closeButton
      ]),
      this.privacy,
      el("p", { className: "al-urgent-hint", text: labels.urgentHint }),
      this.status,
      this.chat,
      this.counter,
      this.announcer
    ]);
    this.root.appendChild(this.panel);
    this.root.appendChild(this.launcher);
    this.configureChat();
    this.updateCounter("");

    this.launcher.addEventListener("click", function () {
      self.toggle(self.panel.hidden);
    });
    this.closeButton.addEventListener("click", function () {
      self.toggle(false);
    });
    this.privacyToggle.addEventListener("click", function () {
      self.showPrivacy(self.privacyText.hidden);
    });
    this.resetButton.addEventListener("click", function () {
      if (window.confirm(labels.newConversationConfirm)) {
        self.restart();
      }
    });
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        self.toggle(false);
      }
    });
    document.body.appendChild(this.root);
    if (this.conversation) {
      this.connect(); // an ongoing conversation: an adviser's reply can arrive any time
    }
  };

  Widget.prototype.configureChat = function () {
    var self = this;
    var labels = this.labels;
    var chat = this.chat;
    chat.connect = {
      websocket: true,
      handler: function (_, signals) {
        self.signals = signals;
        signals.newUserMessage.listener = function (body) {
          var message = body && body.messages && body.messages[0];
          if (message && typeof message.text === "string") {
            self.showTypedAsText(message.text);
            self.sendUser(message.text, null);
          }
        };
        if (self.socket && self.socket.connected) {
          signals.onOpen();
        }
      }
    };
    chat.textInput = {
      characterLimit: this.config.maxMessageChars,
      placeholder: { text: labels.placeholder }
    };
    chat.names = {
      ai: { text: labels.botName },
      user: { text: labels.you },
      // an adviser's message carries the adviser's own name and label
      adviser: { text: "", style: { display: "none" } },
      // the widget's own notes in the conversation (not a message of anyone)
      notice: { text: "", style: { display: "none" } }
    };
    chat.htmlClassUtilities = {
      "al-choice": {
        events: {
          click: function (event) {
            var button = event.target && event.target.closest ? event.target.closest("button") : null;
            if (!button || button.disabled) {
              return;
            }
            self.sendUser(button.getAttribute("data-payload"), button.textContent);
          }
        }
      }
    };
    chat.onInput = function (body) {
      var text = body && body.content && typeof body.content.text === "string" ? body.content.text : "";
      self.updateCounter(text);
    };
    chat.onComponentRender = function () {
      self.improveAccessibility();
    };
    chat.style.width = "100%";
    chat.style.height = "100%";
    chat.style.border = "none";
    chat.chatStyle = {
      width: "100%",
      height: "100%",
      border: "none",
      backgroundColor: "#ffffff",
      fontFamily: FONT
    };
    chat.messageStyles = {
      default: {
        shared: { bubble: { maxWidth: "88%", fontSize: "0.95rem", lineHeight: "1.45" } },
        ai: { bubble: { backgroundColor: "#eef3f9", color: "#1b1b1f" } },
        adviser: { bubble: { backgroundColor: "#fff4d6", color: "#1b1b1f", border: "1px solid #8a6100" } },
        user: { bubble: { backgroundColor: "#0b5394", color: "#ffffff" } }
      },
      html: {
        notice: { bubble: { backgroundColor: "#f3f4f6", color: "#1b1b1f", border: "1px dashed #5d6470", maxWidth: "94%", fontSize: "0.85rem" } },
        shared: { bubble: { maxWidth: "88%", fontSize: "0.95rem", lineHeight: "1.45" } },
        ai: { bubble: { backgroundColor: "#eef3f9", color: "#1b1b1f" } },
        adviser: { bubble: { backgroundColor: "#fff4d6", color: "#1b1b1f", border: "1px solid #8a6100" } },
        user: { bubble: { backgroundColor: "#0b5394", color: "#ffffff" } }
      }
    };
    chat.auxiliaryStyle = AUXILIARY_STYLE;
  };

  // deep-chat's own controls get Dutch names, and the message list announces new messages.
  Widget.prototype.improveAccessibility = function () {
    var root = this.chat.shadowRoot;
    if (!root) {
      return;
    }
    var messages = root.getElementById("messages");
    if (messages) {
      messages.setAttribute("role", "log");
      messages.setAttribute("aria-live", "polite");
      messages.setAttribute("aria-label", this.labels.messagesLabel);
    }
    this.labelButtons();
    if (!this.buttonObserver && window.MutationObserver) {
      // deep-chat redraws its send button (loading, stop) without a name: name it again
      var self = this;
      this.buttonObserver = new MutationObserver(function () {
        self.labelButtons();
      });
      this.buttonObserver.observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ["class", "role"] });
    }
    var input = root.getElementById("text-input");
    if (input) {
      input.setAttribute("role", "textbox");
      input.setAttribute("aria-multiline", "true");
      input.setAttribute("aria-label", this.labels.placeholder);
    }
  };

  Widget.prototype.labelButtons = function () {
    var root = this.chat.shadowRoot;
    if (!root) {
      return;
    }
    var labels = this.labels;
    var buttons = root.querySelectorAll("[role=button], .input-button, #submit-button, .submit-button");
    Array.prototype.forEach.call(buttons, function (button) {
      if (!button.getAttribute("aria-label")) {
        button.setAttribute("aria-label", labels.send);
      }
    });
  };

  Widget.prototype.updateCounter = function (text) {
    var count = Array.from(text || "").length;
    var max = this.config.maxMessageChars;
    this.counter.textContent = format(this.labels.counter, { count: count, max: max });
    this.counter.classList.toggle("al-counter-near", count >= max * 0.9);
    if (count >= max * 0.9 && !this.nearLimitAnnounced) {
      this.nearLimitAnnounced = true;
      this.announce(format(this.labels.counterNearLimit, { left: Math.max(0, max - count) }));
    } else if (count < max * 0.9) {
      this.nearLimitAnnounced = false;
    }
  };

  Widget.prototype.announce = function (text) {
    // a separate live region for notices that are not chat messages
    this.announcer.textContent = "";
    var announcer = this.announcer;
    window.setTimeout(function () {
      announcer.textContent = text;
    }, 50);
  };

  // Note a message sent or received: the conversation stays for idleMinutes after it.
  Widget.prototype.touch = function () {
    this.lastActivity = Date.now();
    if (this.conversation) {
      storeConversationId(this.conversation);
    }
  };

  // Long idle (the page was left open): the next person starts a new conversation.
  Widget.prototype.expireIfIdle = function () {
    if (this.conversation && Date.now() - this.lastActivity >= this.config.idleMinutes * MINUTE) {
      this.restart();
      this.notice = this.labels.expired; // shown once the new conversation is ready
      this.setStatus(this.notice);
    }
  };

  Widget.prototype.toggle = function (open) {
    if (open) {
      this.expireIfIdle();
    }
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      this.root.classList.add("al-open");
      this.launcher.querySelector(".al-unread").hidden = true;
      this.connect();
      var chat = this.chat;
      window.setTimeout(function () {
        if (chat.focusInput) {
          chat.focusInput();
        }
      }, 50);
    } else {
      this.root.classList.remove("al-open");
      this.launcher.focus();
    }
  };

  Widget.prototype.setStatus = function (text) {
    this.status.textContent = text || "";
    this.status.hidden = !text;
  };

  // The privacy text in full, or folded to one line (its button opens it again).
  Widget.prototype.showPrivacy = function (open) {
    this.privacyText.hidden = !open;
    this.privacyToggle.setAttribute("aria-expanded", open ? "true" : "false");
  };

  // After the first message the privacy text has been read: fold it, so that the
  // conversation keeps the room (a third of a phone's panel otherwise).
  Widget.prototype.foldPrivacy = function () {
    if (this.privacyFolded) {
      return;
    }
    this.privacyFolded = true;
    this.privacyToggle.hidden = false;
    this.showPrivacy(false);
  };

  Widget.prototype.unfoldPrivacy = function () {
    this.privacyFolded = false;
    this.privacyToggle.hidden = true;
    this.showPrivacy(true);
  };

  // Scroll the message list so that the 112 message of this turn stands at its top.
  // deep-chat scrolls to each new message after it is added (in a timeout): this runs
  // after it, and again once the layout has settled.
  Widget.prototype.keepUrgentInView = function () {
    var self = this;
    function scroll() {
      var root = self.chat.shadowRoot;
      var list = root && root.getElementById("messages");
      var urgent = self.urgent && root ? root.querySelector('[data-al-urgent="' + self.urgent + '"]') : null;
      if (!list || !urgent) {
        return;
      }
      var bubble = urgent.closest(".outer-message-container") || urgent;
      var top = bubble.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop;
      list.scrollTop = Math.max(0, top - 8);
    }
    window.setTimeout(scroll, 0);
    window.setTimeout(scroll, 150);
    window.setTimeout(scroll, 400);
  };

  Widget.prototype.connect = function () {
    if (this.socket) {
      return;
    }
    var self = this;
    this.setStatus(this.labels.connecting);
    var socket = (this.socket = this.io(this.config.socketUrl, {
      path: this.config.socketPath,
      transports: ["websocket", "polling"],
      reconnectionDelayMax: 10000
    }));
    socket.on("connect", function () {
      self.requestSession();
    });
    socket.on("disconnect", function () {
      self.ready = false;
      self.setStatus(self.labels.disconnected);
      if (self.signals) {
        self.signals.onClose();
      }
    });
    socket.on("session_confirm", function (conversation) {
      if (typeof conversation !== "string" || !ID_PATTERN.test(conversation)) {
        return;
      }
      self.conversation = conversation;
      storeConversationId(conversation);
      self.loadHistory();
    });
    socket.on("bot_uttered", function (event) {
      self.assembler.add(event);
    });
    socket.on("user_echo", function (message) {
      if (message && typeof message.text === "string") {
        self.receive({ sender: "user", message: message });
      }
    });
  };

  Widget.prototype.requestSession = function () {
    this.ready = false;
    this.socket.emit("session_request", { session_id: this.conversation || newConversationId() });
  };

  Widget.prototype.loadHistory = function () {
    var self = this;
    this.socket.timeout(10000).emit("history_request", {}, function (error, items) {
      if (!error && Array.isArray(items)) {
        // the server's copy replaces what is on screen (a reconnect may have missed messages)
        self.chat.clearMessages(false);
        self.showHistory(items);
      }
      self.ready = true;
      var pending = self.pending;
      self.pending = [];
      pending.forEach(function (item) {
        self.show(item);
      });
      self.setStatus(self.notice || self.labels.connected);
      self.notice = "";
      if (self.signals) {
        self.signals.onOpen();
      }
    });
  };

  // The conversation as the server keeps it: user texts and the bot's events, which
  // are put back together as they are live.
  Widget.prototype.showHistory = function (items) {
    var self = this;
    var shown = [];
    var assembler = new Assembler(function (message) {
      shown.push({ sender: "bot", message: message });
    });
    items.forEach(function (item) {
      if (item && item.sender === "user" && typeof item.text === "string") {
        assembler.flush();
        shown.push({ sender: "user", text: item.text });
      } else if (item && item.sender === "bot") {
        assembler.add(item);
      }
    });
    assembler.flush();
    var lastUser = -1;
    shown.forEach(function (item, index) {
      if (item.sender === "user") {
        lastUser = index;
      }
    });
    this.urgent = null;
    shown.forEach(function (item, index) {
      if (item.sender === "user") {
        self.chat.addMessage(self.renderer.user(item.text));
      } else {
        var drawn = self.renderer.bot(item.message, index < lastUser);
        self.chat.addMessage({ role: drawn.role, html: drawn.html });
        if (drawn.urgent && index > lastUser) {
          self.urgent = drawn.urgent; // the 112 message of the last turn
        }
      }
    });
    if (lastUser >= 0) {
      this.foldPrivacy();
    }
    // own messages come back de-identified: say why, once, below what was restored
    var redacted = shown.some(function (item) {
      return item.sender === "user" && REDACTION_TAG.test(item.text);
    });
    if (redacted) {
      this.chat.addMessage(this.renderer.notice(this.labels.redactedNote));
    }
    if (this.urgent) {
      this.keepUrgentInView();
    }
  };

  Widget.prototype.receive = function (item) {
    this.touch();
    if (!this.ready) {
      this.pending.push(item);
      return;
    }
    this.show(item);
    if (this.panel.hidden && item.sender === "bot") {
      this.launcher.querySelector(".al-unread").hidden = false;
    }
  };

  Widget.prototype.show = function (item) {
    if (item.sender === "user") {
      this.urgent = null;
      this.foldPrivacy();
      this.disableAnsweredButtons();
      this.chat.addMessage(this.renderer.user(item.message.text));
    } else if (item.message && typeof item.message === "object") {
      var drawn = this.renderer.bot(item.message, false);
      this.chat.addMessage({ role: drawn.role, html: drawn.html });
      if (drawn.urgent) {
        this.urgent = drawn.urgent;
      }
      if (this.urgent) {
        this.keepUrgentInView(); // also when more of the same turn arrives below it
      }
    }
  };

  // deep-chat shows typed text as Markdown: show the literal text instead, as in the
  // history and in the other tabs
  Widget.prototype.showTypedAsText = function (text) {
    var root = this.chat.shadowRoot;
    var renderer = this.renderer;
    function replace() {
      var bubbles = root ? root.querySelectorAll(".message-bubble.user-message.text-message") : [];
      var last = bubbles[bubbles.length - 1];
      if (last && !last.querySelector(".al-message")) {
        last.replaceChildren(renderer.userNode(text));
        return true;
      }
      return false;
    }
    if (!replace()) {
      window.setTimeout(replace, 0);
    }
  };

  Widget.prototype.disableAnsweredButtons = function () {
    var root = this.chat.shadowRoot;
    if (!root) {
      return;
    }
    Array.prototype.forEach.call(root.querySelectorAll("button.al-choice"), function (button) {
      button.disabled = true;
    });
  };

  // text typed by the user (shown by deep-chat itself) or a button (shown here by title)
  Widget.prototype.sendUser = function (text, buttonTitle) {
    if (!this.socket || !text) {
      return;
    }
    this.disableAnsweredButtons();
    this.urgent = null; // the user answered: the list follows the conversation again
    this.foldPrivacy();
    if (buttonTitle !== null) {
      this.chat.addMessage(this.renderer.user(buttonTitle));
    }
    this.socket.emit("user_uttered", { message: text, session_id: this.conversation });
    this.touch();
    this.updateCounter("");
  };

  Widget.prototype.restart = function () {
    this.conversation = newConversationId();
    this.lastActivity = Date.now();
    storeConversationId(this.conversation);
    this.chat.clearMessages(false);
    this.urgent = null;
    this.unfoldPrivacy();
    if (this.socket) {
      this.requestSession();
    }
  };

  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  var AUXILIARY_STYLE = [
    // sender names above the bubbles, not beside them (the panel is narrow)
    ".inner-message-container { flex-wrap: wrap; }",
    ".name { order: -1; flex-basis: 100%; margin: 0 0.2em 0.15em; font-size: 0.8em; font-weight: 700; color: #44464f; }",
    ".deep-chat-outer-container-role-user .name { text-align: right; }",
    ".al-message p { margin: 0 0 0.5em; white-space: pre-wrap; }",
    ".al-message p:last-child { margin-bottom: 0; }",
    ".al-list { margin: 0 0 0.5em; padding-left: 1.2em; }",
    ".al-cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.5em; }",
    ".al-card { background: #ffffff; border: 1px solid #9aa5b1; border-radius: 0.5em; padding: 0.5em 0.75em; }",
    ".al-card-kind { display: block; font-size: 0.8em; font-weight: 700; text-transform: uppercase; letter-spacing: 0.03em; color: #44464f; }",
    ".al-card-title { color: #0b5394; font-weight: 600; }",
    ".al-card-title:focus-visible, .al-choice:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }",
    ".al-choices { display: flex; flex-wrap: wrap; gap: 0.5em; margin-top: 0.6em; }",
    ".al-choice { font: inherit; cursor: pointer; background: #ffffff; color: #0b5394; border: 2px solid #0b5394; border-radius: 1.2em; padding: 0.3em 0.9em; }",
    ".al-choice:hover:not(:disabled) { background: #0b5394; color: #ffffff; }",
    ".al-choice:disabled { cursor: default; color: #5d6470; border-color: #9aa5b1; background: #f3f4f6; }",
    ".al-urgent { border-left: 0.3em solid #a50e0e; padding-left: 0.6em; }",
    ".al-urgent-title { color: #a50e0e; font-weight: 800; text-transform: uppercase; }",
    ".al-from { font-weight: 700; margin-bottom: 0.25em; }",
    ".al-badge { display: inline-block; margin-left: 0.4em; font-size: 0.75em; font-weight: 700; text-transform: uppercase; background: #8a6100; color: #ffffff; border-radius: 0.3em; padding: 0.05em 0.4em; }",
    ".al-handoff { font-style: italic; color: #44464f; margin-top: 0.5em; }",
    // deep-chat sets outline: none on its text field: a ring around the field instead
    "#text-input-container:focus-within { outline: 3px solid #f2a900; outline-offset: 2px; border-color: #0b5394; }",
    ".al-notice { font-style: italic; }",
    ".al-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }"
  ].join("\n");

  /* ---- start ---- */

  function start() {
    var config = readConfig();
    if (!config.socketUrl) {
      console.error("Advieslijn: no socketUrl in the widget configuration");
      return;
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("advieslijn-widget.css", base).href;
    document.head.appendChild(link);
    Promise.all([
      fetch(config.labelsUrl).then(function (answer) {
        if (!answer.ok) {
          throw new Error("labels: HTTP " + answer.status);
        }
        return answer.json();
      }),
      import(new URL("vendor/deep-chat.js", base).href),
      import(new URL("vendor/socket.io.esm.min.js", base).href)
    ])
      .then(function (loaded) {
        var widget = new Widget(config, loaded[0], loaded[1].DeepChat, loaded[2].io);
        window.advieslijnWidget = widget; // for the page's own scripts and tests
        document.dispatchEvent(new CustomEvent("advieslijn:ready"));
      })
      .catch(function (error) {
        console.error("Advieslijn: the chat widget could not start", error);
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
