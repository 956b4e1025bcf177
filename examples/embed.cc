// The README's embedding example: open a store, append a batch, read a
// projection. Built by CI against the installed package (find_package(annal)).
#include <annal/engine.h>

#include <cstdio>

int main(int argc, char** argv) {
  auto engine = annal::Engine::Open(argc > 1 ? argv[1] : "example-store");
  if (!engine.ok())
    return std::fprintf(stderr, "%s\n", engine.status().ToString().c_str()), 1;
  std::vector<annal::Event> batch = {
      annal::TaskCreated{.task_id = "backup", .name = "nightly backup"},
      annal::TaskStatusChanged{.task_id = "backup",
                               .status = annal::TaskStatus::kRunning}};
  if (auto r = (*engine)->Append(batch); !r.ok()) {
    return std::fprintf(stderr, "%s\n", r.status().ToString().c_str()), 1;
  }
  auto snapshot = (*engine)->Read();
  auto tasks = snapshot->ActiveTasks();  // rows live as long as `snapshot`
  for (const annal::ActiveTaskRow& task : *tasks) {
    std::printf("%.*s is %.*s\n", int(task.task_id.size()), task.task_id.data(),
                int(annal::NameOf(task.status).size()),
                annal::NameOf(task.status).data());
  }
}
