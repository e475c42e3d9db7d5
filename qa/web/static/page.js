// Runs once in the page (launch(head=…), in a <script> element): Enter that does not send while an
// input method is composing, copy buttons, [n] links, the address bar, chips that ask. (Gradio's own
// texts follow the browser's language; a zh-CN browser gets its Chinese translations.)
(() => {
  let composing = false;
  const inQuestion = (el) => el && el.closest && el.closest('#qa-question');
  document.addEventListener('compositionstart', (e) => { if (inQuestion(e.target)) composing = true; }, true);
  document.addEventListener('compositionend', (e) => {
    if (inQuestion(e.target)) setTimeout(() => { composing = false; }, 0);
  }, true);
  const guard = (e) => {
    if (e.key === 'Enter' && inQuestion(e.target) && (e.isComposing || composing || e.keyCode === 229)) {
      e.stopImmediatePropagation();  // the Enter belongs to the input method, not to 提问
    }
  };
  window.addEventListener('keydown', guard, true);
  window.addEventListener('keypress', guard, true);

  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {}
    const area = document.createElement('textarea');
    area.value = text; document.body.appendChild(area); area.select();
    const ok = document.execCommand('copy'); area.remove(); return ok;
  };
  const ask = (q) => {
    const box = document.querySelector('#qa-question textarea, #qa-question input');
    if (!box) return;
    box.value = q; box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => document.querySelector('#qa-send')?.click(), 50);
  };
  const flash = (card) => {
    card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    card.classList.add('qa-flash'); setTimeout(() => card.classList.remove('qa-flash'), 1500);
  };
  document.addEventListener('click', (e) => {
    const button = e.target.closest('[data-copy]');
    if (button) {
      e.preventDefault(); e.stopPropagation();
      copy(button.dataset.copy).then((ok) => {
        const label = button.textContent; button.textContent = ok ? '已复制' : '复制失败';
        button.classList.add('qa-done');
        setTimeout(() => { button.textContent = label; button.classList.remove('qa-done'); }, 1500);
      });
      return;
    }
    const chip = e.target.closest('[data-ask]');
    if (chip) { e.preventDefault(); ask(chip.dataset.ask); return; }
    const ref = e.target.closest('a.qa-ref');
    if (ref) {
      e.preventDefault();
      const turn = ref.closest('.qa-turn');
      const n = ref.dataset.ref;
      const inline = turn && turn.querySelector(`.qa-turn-cards [data-rank="${n}"]`);
      if (inline && inline.offsetParent) {
        const related = inline.closest('details'); if (related) related.open = true;
        flash(inline); return;
      }
      const find = () => document.querySelector(`#qa-side-cards #qa-card-${n}`);
      const wanted = turn ? turn.dataset.turn : null;
      let tries = 0;
      const wait = setInterval(() => {
        const root = document.querySelector('#qa-side-cards .qa-cards');
        const card = find();
        const shown = root ? root.dataset.turn : null;
        if (card && (wanted === null || shown === wanted)) {
          clearInterval(wait); const related = card.closest('details'); if (related) related.open = true; flash(card);
        } else if (++tries > 60 || !root) clearInterval(wait);
      }, 50);
    }
  }, true);

  // The address bar follows the latest question; the conversation scrolls to the latest answer.
  const sync = () => {
    const chat = document.querySelector('#qa-chat .qa-chat');
    if (!chat) return;
    const url = chat.dataset.url;
    if (url && url !== location.search) history.replaceState(null, '', location.pathname + url);
    if (chat.dataset.rendered !== '1') {
      chat.dataset.rendered = '1';
      const last = chat.querySelector('.qa-turn.qa-last');
      const box = document.querySelector('#qa-chat');
      if (last && box && box.scrollHeight > box.clientHeight) {
        box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top;
      }
    }
  };
  new MutationObserver(sync).observe(document.documentElement, {childList: true, subtree: true});
})();
