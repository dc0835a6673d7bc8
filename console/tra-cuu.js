// The citizen's tracking page (/tra-cuu): asks GET /api/track for a dossier code and the
// subject's identifier and shows, in plain words, the dossier's state, its appointment, the
// apology's new date and the documents still asked and why. Vietnamese first, English on the
// switch (remembered in localStorage); no token, no library, no build step; CSP-safe (no inline
// script or style). Dates come as the calendar's local "YYYY-MM-DDTHH:MM" and are shown as
// dd/mm/yyyy HH:mm, never converted to the browser's time zone.
'use strict';

const STRINGS = {
  vi: {
    'page-title': 'Tra cứu hồ sơ — Bộ phận một cửa',
    skip: 'Bỏ qua, đến ô tra cứu',
    brand: 'Bộ phận tiếp nhận và trả kết quả',
    switch: 'English',
    'switch-lang': 'en',
    title: 'Tra cứu hồ sơ',
    intro: 'Nhập mã hồ sơ ghi trên giấy tiếp nhận hồ sơ và hẹn trả kết quả, cùng số định danh ' +
      'cá nhân (CCCD) của người đứng tên hồ sơ.',
    code: 'Mã hồ sơ',
    'code-hint': 'Số ghi trên giấy tiếp nhận, ví dụ 1024.',
    subject: 'Số định danh cá nhân (CCCD)',
    'subject-hint': '12 chữ số trên căn cước công dân của người đứng tên hồ sơ.',
    submit: 'Tra cứu',
    searching: 'Đang tra cứu…',
    footer: 'Trang này chỉ cho biết tình trạng hồ sơ. Mọi thắc mắc, xin liên hệ bộ phận tiếp ' +
      'nhận và trả kết quả nơi đã nộp hồ sơ.',
    'code-missing': 'Xin nhập mã hồ sơ.',
    'code-bad': 'Mã hồ sơ chỉ gồm chữ số, ví dụ 1024.',
    'subject-missing': 'Xin nhập số định danh cá nhân.',
    'not-found': 'Không tìm thấy hồ sơ với mã và số định danh này. Xin kiểm tra lại cả hai ' +
      'số trên giấy tiếp nhận: chúng phải khớp với nhau.',
    'too-many': 'Quá nhiều lượt tra cứu, thử lại sau {0} giây.',
    'too-many-later': 'Quá nhiều lượt tra cứu, thử lại sau ít phút.',
    unavailable: 'Xin lỗi, hệ thống đang bận hoặc không kết nối được. Xin thử lại sau.',
    dossier: 'Hồ sơ số {0}',
    state: 'Tình trạng',
    'parts-h': 'Các cơ quan giải quyết hồ sơ liên thông',
    'part-late': 'trễ hạn',
    'part-waiting': 'chờ các phần trước hoàn thành',
    'part-refused': 'không chuyển được',
    'part-not-needed': 'không cần thực hiện',
    closed: 'đã kết thúc',
    submitted: 'Ngày nộp',
    due: 'Hẹn trả kết quả',
    'no-due': 'Chưa có ngày hẹn',
    'due-paused': 'Đang tạm dừng tính thời hạn giải quyết',
    'due-stopped': 'Chưa bắt đầu tính thời hạn giải quyết',
    finished: 'Ngày kết thúc',
    'new-date': '(hẹn lại)',
    'first-due': 'Hẹn lần đầu',
    apology: 'Cơ quan đã gửi thư xin lỗi vì giải quyết hồ sơ trễ hẹn và hẹn lại ngày trả kết ' +
      'quả: {0}.',
    'asked-title': 'Giấy tờ cần bổ sung',
    'asked-none': 'Hồ sơ không còn thiếu giấy tờ nào.',
    'asked-intro': 'Xin nộp bổ sung các giấy tờ sau tại nơi đã nộp hồ sơ:',
  },
  en: {
    'page-title': 'Track a dossier — one-stop desk',
    skip: 'Skip to the search form',
    brand: 'One-stop reception and results desk',
    switch: 'Tiếng Việt',
    'switch-lang': 'vi',
    title: 'Track a dossier',
    intro: 'Enter the dossier code printed on the receipt and appointment slip, and the ' +
      'personal identification number (CCCD) of the person the dossier is for.',
    code: 'Dossier code',
    'code-hint': 'The number on the receipt, for example 1024.',
    subject: 'Personal identification number (CCCD)',
    'subject-hint': 'The 12 digits on the citizen identity card of the person the dossier is for.',
    submit: 'Search',
    searching: 'Searching…',
    footer: 'This page only tells the state of a dossier. For any question, please contact the ' +
      'reception and results desk where the dossier was handed in.',
    'code-missing': 'Please enter the dossier code.',
    'code-bad': 'A dossier code has digits only, for example 1024.',
    'subject-missing': 'Please enter the personal identification number.',
    'not-found': 'No dossier has this code and identification number. Please check both ' +
      'numbers on the receipt: they must belong together.',
    'too-many': 'Too many searches, try again in {0} seconds.',
    'too-many-later': 'Too many searches, try again in a few minutes.',
    unavailable: 'Sorry, the service is busy or cannot be reached. Please try again later.',
    dossier: 'Dossier {0}',
    state: 'State',
    'parts-h': 'The agencies handling this interconnected dossier',
    'part-late': 'late',
    'part-waiting': 'waiting for the parts before it',
    'part-refused': 'could not start',
    'part-not-needed': 'not needed',
    closed: 'closed',
    submitted: 'Handed in',
    due: 'Results due',
    'no-due': 'No appointment yet',
    'due-paused': 'The time limit is paused',
    'due-stopped': 'The time limit has not started',
    finished: 'Closed on',
    'new-date': '(new date)',
    'first-due': 'First appointment',
    apology: 'The agency sent a letter of apology for the delay and set a new date for the ' +
      'results: {0}.',
    'asked-title': 'Documents still asked',
    'asked-none': 'No document is missing from the dossier.',
    'asked-intro': 'Please hand in the following documents where the dossier was handed in:',
  },
};

const $ = (sel) => document.querySelector(sel);
let lang = 'vi';
let shown = null; // the last dossier found, shown again in the other language on a switch
let busy = false; // a search under way

function t(key, ...args) {
  return STRINGS[lang][key].replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)]));
}

function pickLang() {
  let saved = null;
  try {
    saved = localStorage.getItem('motcua-lang');
  } catch (e) { /* storage refused: Vietnamese */ }
  return saved === 'en' ? 'en' : 'vi';
}

function applyLang() {
  document.documentElement.lang = lang;
  document.title = t('page-title');
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  const sw = $('#lang');
  sw.textContent = t('switch');
  sw.lang = t('switch-lang');
}

// "2025-07-14T17:00" → "14/07/2025 17:00"; "2025-07-14" → "14/07/2025"; anything else as it is.
function when(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(s || '');
  if (!m) return s || '';
  return `${m[3]}/${m[2]}/${m[1]}` + (m[4] ? ` ${m[4]}:${m[5]}` : '');
}

// A title {en, vi} in the page's language, else the other, else the name.
function title(obj, fallback) {
  if (obj && typeof obj === 'object') return obj[lang] || obj.vi || obj.en || fallback;
  return fallback;
}

function el(tag, content, cls) {
  const e = document.createElement(tag);
  if (content !== undefined) e.textContent = content;
  if (cls) e.className = cls;
  return e;
}

function fieldError(id, message) {
  const input = $('#' + id);
  $('#' + id + '-error').textContent = message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  return message === '';
}

function say(message) {
  $('#message').textContent = message;
  $('#message').className = message ? 'error' : '';
}

// Shows dossier d, found for code and subject with its reasons written in language from.
function render(d, code, subject, from) {
  shown = { data: d, code, subject, lang: from };
  $('#r-title').textContent = t('dossier', d.code) + ': ' + title(d.procedure_title, d.procedure);
  const facts = $('#r-facts');
  facts.replaceChildren();
  const fact = (label, value, cls) => {
    const row = el('div');
    row.append(el('dt', label));
    row.append(el('dd', value, cls));
    facts.append(row);
  };
  fact(t('state'), title(d.state_title, d.state) + (d.final ? ` (${t('closed')})` : ''), 'state');
  fact(t('submitted'), when(d.submitted));
  // A closed dossier: when it ended, no appointment. After an apology the new date is the
  // appointment that counts; the first one stays in view. Without a date, why there is none.
  if (d.final) {
    if (d.finished) fact(t('finished'), when(d.finished), 'due');
  } else if (d.apology_new_date) {
    fact(t('due'), when(d.apology_new_date) + ' ' + t('new-date'), 'due');
    if (d.due) fact(t('first-due'), when(d.due));
  } else {
    const none = d.clock === 'paused' ? 'due-paused' : d.clock === 'stopped' ? 'due-stopped' : 'no-due';
    fact(t('due'), d.due ? when(d.due) : t(none), 'due');
  }
  // An interconnected dossier (issue 25): which agency does which part, and how it stands.
  const parts = $('#r-parts');
  parts.replaceChildren();
  for (const p of Array.isArray(d.parts) ? d.parts : []) {
    const li = el('li');
    li.append(el('strong', title(p.title, p.part)));
    const how = p.state_title ? title(p.agency_title, '') + ': ' + title(p.state_title, '') +
      (p.late ? ` (${t('part-late')})` : '') : t('part-' + p.status);
    li.append(' — ', el('span', how));
    parts.append(li);
  }
  $('#r-parts-box').hidden = !(Array.isArray(d.parts) && d.parts.length);
  const apology = $('#r-apology');
  apology.hidden = !d.apology_new_date;
  apology.textContent = d.apology_new_date ? t('apology', when(d.apology_new_date)) : '';
  const asked = Array.isArray(d.asked) ? d.asked : [];
  const list = $('#r-asked');
  list.replaceChildren();
  for (const a of asked) {
    const li = el('li');
    li.append(el('strong', title(a.title, a.document)));
    if (a.reason) {
      const reason = el('span', a.reason, 'reason');
      reason.lang = from;
      li.append(reason);
    }
    list.append(li);
  }
  list.hidden = asked.length === 0;
  $('#r-asked-none').textContent = asked.length ? t('asked-intro') : t('asked-none');
  // A closed dossier asks nothing more: no heading of documents to hand in.
  const closedAndDone = d.final && asked.length === 0;
  $('#r-asked-title').hidden = closedAndDone;
  $('#r-asked-none').hidden = closedAndDone;
  $('#result').hidden = false;
}

// Asks the server for the dossier and shows it, or says why not. quiet: a new look in the other
// language of the dossier shown; when it fails, the dossier stays as it was.
// The button is marked busy, not disabled: a disabled button would drop the keyboard's focus.
async function lookup(code, subject, quiet) {
  if (busy) return;
  busy = true;
  const button = $('#submit');
  button.setAttribute('aria-disabled', 'true');
  button.textContent = t('searching');
  let message = '';
  try {
    const res = await fetch('/api/track?code=' + encodeURIComponent(code) +
      '&subject=' + encodeURIComponent(subject), { headers: { 'Accept-Language': lang } });
    if (res.ok) {
      render(await res.json(), code, subject, lang);
      if (!quiet) $('#result').focus();
    } else if (res.status === 404) {
      message = t('not-found');
    } else if (res.status === 429) {
      const secs = Number.parseInt(res.headers.get('Retry-After') || '', 10);
      message = secs > 0 ? t('too-many', secs) : t('too-many-later');
    } else {
      message = t('unavailable');
    }
  } catch (e) {
    message = t('unavailable');
  } finally {
    busy = false;
    button.removeAttribute('aria-disabled');
    button.textContent = t('submit');
  }
  if (message && !quiet) say(message);
}

async function search(event) {
  event.preventDefault();
  const code = $('#code').value.trim();
  const subject = $('#subject').value.replace(/\s+/g, '');
  const codeOk = fieldError('code', code === '' ? t('code-missing')
    : /^[0-9]+$/.test(code) ? '' : t('code-bad'));
  const subjectOk = fieldError('subject', subject === '' ? t('subject-missing') : '');
  if (!codeOk || !subjectOk) {
    $(codeOk ? '#subject' : '#code').focus();
    return;
  }
  if (busy) return;
  say('');
  $('#result').hidden = true;
  shown = null;
  await lookup(code, subject, false);
}

function switchLang() {
  lang = lang === 'vi' ? 'en' : 'vi';
  try {
    localStorage.setItem('motcua-lang', lang);
  } catch (e) { /* not remembered: this page still switches */ }
  applyLang();
  // Messages already shown were in the other language: a field's mistake is said again on the
  // next search. The dossier shown is shown again at once, then asked again in this language
  // for its reasons, which the server writes.
  for (const id of ['code', 'subject']) fieldError(id, '');
  say('');
  if (shown) {
    render(shown.data, shown.code, shown.subject, shown.lang);
    lookup(shown.code, shown.subject, true);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  lang = pickLang();
  applyLang();
  $('#lang').addEventListener('click', switchLang);
  $('#tra-cuu').addEventListener('submit', search);
});
