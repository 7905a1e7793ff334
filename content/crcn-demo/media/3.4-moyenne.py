def moyenne(notes):
    total = 0
    for n in notes:
        total = total + n
        return total / len(notes)


print(moyenne([12, 8, 16, 4]))
