-- Rules shared by lifecycles.

-- A dossier is complete when no required document is still asked of the applicant. The bundled
-- lifecycles guard the head's approval with the language's built-in `when documents complete`,
-- which says the same without a call into Lua (docs/language.md §3); this rule stays for the
-- catalogues and rule tables that call it.
function complete(d)
  for name, status in pairs(d.documents) do
    if status == "asked" then
      return false, "document " .. name .. " is still missing"
    end
  end
  return true
end
