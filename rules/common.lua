-- Rules shared by lifecycles.

-- A dossier is complete when no required document is still asked of the applicant. Guards the
-- head's approval in the one-stop lifecycle (and in every procedure that replaces its
-- `processing` state).
function complete(d)
  for name, status in pairs(d.documents) do
    if status == "asked" then
      return false, "document " .. name .. " is still missing"
    end
  end
  return true
end
